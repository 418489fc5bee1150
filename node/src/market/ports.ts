// What the delivery service needs of the chain: DataMarket's Ordered events and the head (market-chain.ts).
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '../../../protocol/src/messages.ts'

/** An Ordered event of DataMarket (SPEC 18). */
export interface OrderedEvent {
  orderId: bigint
  buyer: Hex
  product: Hex
  /** for a sample: its sha256 */
  subject: Hex
  buyerX25519Key: Hex
  price: bigint
  deadline: number
  block: number
}

export interface MarketChain {
  head(options?: AbortOptions): Promise<number>
  ordered(fromBlock: number, toBlock: number, options?: AbortOptions): Promise<OrderedEvent[]>
}
