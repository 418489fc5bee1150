import { createKeyLock } from './key-lock.ts'
import { PREFIXES, dbKey } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex } from '../../../protocol/src/messages.ts'
import type { OrderWrap } from '../../../protocol/src/order-wrap.ts'

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
const orderKey = (market: Hex, orderId: bigint): string => dbKey(PREFIXES.marketDelivery, market, orderId.toString().padStart(78, '0'))

/** Deliveries by market and order. A stored delivery is final: a restart never signs a second wrap for the order. */
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
}
