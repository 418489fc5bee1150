// GET /api/virusmap/market/orders/{id}/delivery: this member's signed wrap of a bought sample's (or epoch
// feed's) key to the order's buyer key (SPEC 18). The buyer trusts no node: it opens the wrap, checks the
// sha256, and pays out only wraps that did.
import type { FastifyInstance } from 'fastify'
import type { MarketDelivery } from '../../db/delivery-repository.ts'
import type { MarketDeliveryReader } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { requestSignal } from '../request.ts'

// a uint256 in decimal, no leading zeros: one spelling per order
const ORDER_ID = /^(0|[1-9][0-9]{0,77})$/
const MAX_ORDER_ID = 2n ** 256n - 1n

/** The order id of a path parameter; ApiError InvalidArgumentError for anything but a decimal uint256. */
export function parseOrderId (raw: string): bigint {
  if (!ORDER_ID.test(raw) || BigInt(raw) > MAX_ORDER_ID) throw new ApiError('InvalidArgumentError', 'the order id must be a decimal uint256')
  return BigInt(raw)
}

export function deliveryObject (d: MarketDelivery): Record<string, unknown> {
  return {
    type: 'market_delivery',
    id: d.orderId,
    attributes: {
      market: d.market,
      order_id: d.orderId,
      sha256: d.sha256,
      cid: d.cid,
      member: d.member,
      ephemeral_public_key: d.wrap.ephemeralPublicKey,
      wrapped_key: d.wrap.wrappedKey,
      wrap_hash: d.wrapHash,
      signature: d.signature,
      signed_at: d.signedAt
    }
  }
}

export function registerMarketRoutes (app: FastifyInstance, market: MarketDeliveryReader | undefined): void {
  app.get<{ Params: { id: string } }>('/api/virusmap/market/orders/:id/delivery', async (request, reply) => {
    if (market === undefined) throw new ApiError('TransientError', 'this node follows no data market')
    const orderId = parseOrderId(request.params.id)
    const found = await market.delivery(orderId, { signal: requestSignal(reply) })
    if (found === undefined) throw new ApiError('NotFoundError', `this node has not delivered order ${orderId}: not a member at its block, no such sample here, or not confirmed yet`)
    return { data: deliveryObject(found) }
  })
}
