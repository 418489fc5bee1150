// What the delivery service needs of the chain: DataMarket's Ordered events and the head (market-chain.ts).
import type { AbortOptions } from '@libp2p/interface'
import type { OrderedEvent } from '../../../protocol/src/delivered.ts'

export interface MarketChain {
  head(options?: AbortOptions): Promise<number>
  ordered(fromBlock: number, toBlock: number, options?: AbortOptions): Promise<OrderedEvent[]>
}
