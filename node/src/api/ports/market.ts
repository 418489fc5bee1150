import type { AbortOptions } from '@libp2p/interface'
import type { MarketDelivery } from '../../db/delivery-repository.ts'

/** This member's deliveries of data-market orders (GET /api/virusmap/market/orders/{id}/delivery, SPEC 18). */
export interface MarketDeliveryReader {
  delivery(orderId: bigint, options?: AbortOptions): Promise<MarketDelivery | undefined>
}
