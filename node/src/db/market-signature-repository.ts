import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { DeliverySignature, Hex } from '#protocol/messages.ts'

/** The order a signature belongs to: its id, and the deadline past which it is collected. */
export interface SignedOrder { orderId: bigint, deadline: number }

// uint256 in decimal is at most 78 digits, a block number at most 16 (2^53): padded, keys sort by deadline then order
const pad = (n: bigint | number, width: number): string => n.toString().padStart(width, '0')
const orderParts = (market: Hex, o: SignedOrder): string[] => [market, pad(o.deadline, 16), pad(o.orderId, 78)]

/**
 * The members' Delivered signatures this member judged valid for open orders (SPEC 18), keyed by the
 * order's deadline first so everything past a deadline is one range to delete. Only what passed the
 * gossip check is stored, and it is judged again when read back, so a stored signature never counts
 * for more than a gossiped one would.
 */
export class MarketSignatureRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  /** Not synced: a signature lost to a crash is gossiped again by its member (every resendMs). */
  async put (o: SignedOrder, msg: DeliverySignature, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await this.#db.put(dbKey(PREFIXES.marketSignature, ...orderParts(msg.market, o), msg.member), msg)
  }

  /** the signatures stored for the order, by member */
  async list (market: Hex, o: SignedOrder, options: AbortOptions = {}): Promise<DeliverySignature[]> {
    const out: DeliverySignature[] = []
    for await (const value of this.#db.values(dbRange(PREFIXES.marketSignature, ...orderParts(market, o)))) {
      options.signal?.throwIfAborted()
      out.push(value as DeliverySignature)
    }
    return out
  }

  /** deletes the signatures of every order whose deadline is before `block`; returns how many */
  async prune (market: Hex, block: number, options: AbortOptions = {}): Promise<number> {
    const range = dbRange(PREFIXES.marketSignature, market)
    const keys: string[] = []
    for await (const key of this.#db.keys({ gte: range.gte, lt: `${range.gte}${pad(Math.max(0, block), 16)}` })) {
      options.signal?.throwIfAborted()
      keys.push(key)
    }
    if (keys.length > 0) await this.#db.batch(keys.map((key) => ({ type: 'del' as const, key })))
    return keys.length
  }
}
