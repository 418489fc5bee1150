// Where a member finds its own Delivered signature for an order (SPEC 18, 19): a sample's or an epoch feed's is
// the one its delivery service stored with its wrap; a hunt's is signed by the hunt service once the ruleset is taken up.
import type { AbortOptions } from '@libp2p/interface'
import type { Hex, OrderedEvent } from '#protocol/index.ts'
import type { DeliveryRepository } from '../db/delivery-repository.ts'
import { FEED_PRODUCT } from '#protocol/feed/index.ts'
import { SAMPLE_PRODUCT } from './delivery.ts'
import type { HeldSignature } from './order-signatures.ts'

export interface OwnDeliveryComponents {
  market: Hex
  deliveries: Pick<DeliveryRepository, 'get'>
  /** the hunt service, where this node hunts */
  hunt?: { delivered(order: OrderedEvent, options?: AbortOptions): Promise<HeldSignature | undefined> }
}

export function createOwnDelivery (c: OwnDeliveryComponents): (order: OrderedEvent, options?: AbortOptions) => Promise<HeldSignature | undefined> {
  const market = c.market.toLowerCase() as Hex
  return async (order, options = {}) => {
    options.signal?.throwIfAborted()
    if (order.product === SAMPLE_PRODUCT || order.product === FEED_PRODUCT) {
      const d = await c.deliveries.get(market, order.orderId)
      return d === undefined ? undefined : { wrapHash: d.wrapHash, signature: d.signature }
    }
    return await c.hunt?.delivered(order, options)
  }
}
