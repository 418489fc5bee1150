import { createKeyLock } from './key-lock.ts'
import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex } from '#protocol/messages.ts'
import type { OrderedEvent } from '#protocol/delivered.ts'
import type { OrderWrap } from '#protocol/order-wrap.ts'

/** The wrap this member signed for one data-market order, as served to the buyer (SPEC 18). */
export interface MarketDelivery {
  market: Hex
  /** decimal: a uint256 */
  orderId: string
  sha256: Hex
  /** the sample's manifest CID (its ciphertext, the same from every member) */
  cid: string
  member: Hex
  wrap: OrderWrap
  wrapHash: Hex
  /** Delivered(market, orderId, wrapHash), the member's signature */
  signature: Hex
  signedAt: number
}

// uint256 in decimal is at most 78 digits: padded, keys sort by order id
const padded = (orderId: bigint): string => orderId.toString().padStart(78, '0')
const orderKey = (market: Hex, orderId: bigint): string => dbKey(PREFIXES.marketDelivery, market, padded(orderId))
const waitingKey = (market: Hex, orderId: bigint): string => dbKey(PREFIXES.marketWaiting, market, padded(orderId))

/**
 * Deliveries by market and order. A stored delivery is final: a restart never signs a second wrap for the order.
 * Beside them, where the service's reading of Ordered events stands: the next block and the orders waiting
 * for their sample, so a restart resumes where it stopped instead of reading the chain from the deployment.
 */
export class DeliveryRepository {
  readonly #db: Database
  readonly #lock = createKeyLock()

  constructor (db: Database) {
    this.#db = db
  }

  async get (market: Hex, orderId: bigint): Promise<MarketDelivery | undefined> {
    return await this.#db.get(orderKey(market, orderId)) as MarketDelivery | undefined
  }

  /**
   * The delivery of the order: the stored one, or `make()`'s, stored (synced) before it is returned, so
   * nothing signed is ever served or lost unstored. One `make` at a time per order.
   */
  async getOrCreate (market: Hex, orderId: bigint, make: () => Promise<MarketDelivery>): Promise<MarketDelivery> {
    const key = orderKey(market, orderId)
    return this.#lock(key, async () => {
      const existing = await this.get(market, orderId)
      if (existing !== undefined) return existing
      const delivery = await make()
      await this.#db.put(key, delivery, { sync: true })
      return delivery
    })
  }

  /** the next block to read Ordered events from; undefined before the first pass */
  async cursor (market: Hex): Promise<number | undefined> {
    return await this.#db.get(dbKey(PREFIXES.marketCursor, market)) as number | undefined
  }

  /** the orders waiting for their sample, by order id */
  async waiting (market: Hex): Promise<OrderedEvent[]> {
    const out: OrderedEvent[] = []
    for await (const value of this.#db.values(dbRange(PREFIXES.marketWaiting, market))) {
      const o = value as Omit<OrderedEvent, 'orderId' | 'price'> & { orderId: string, price: string }
      out.push({ ...o, orderId: BigInt(o.orderId), price: BigInt(o.price) })
    }
    return out
  }

  /** One write (synced): the orders that now wait, those that no longer do, and the next block (unchanged when undefined). */
  async advance (market: Hex, change: { next?: number, wait?: readonly OrderedEvent[], done?: readonly bigint[] }): Promise<void> {
    const ops: Array<{ type: 'put', key: string, value: unknown } | { type: 'del', key: string }> = [
      ...(change.wait ?? []).map((o) => ({ type: 'put' as const, key: waitingKey(market, o.orderId), value: { ...o, orderId: o.orderId.toString(), price: o.price.toString() } })),
      ...(change.done ?? []).map((id) => ({ type: 'del' as const, key: waitingKey(market, id) })),
      ...(change.next === undefined ? [] : [{ type: 'put' as const, key: dbKey(PREFIXES.marketCursor, market), value: change.next }])
    ]
    if (ops.length > 0) await this.#db.batch(ops, { sync: true })
  }
}
