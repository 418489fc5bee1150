// What the market's services need of the chain: DataMarket's Ordered events and the head (market-chain.ts),
// and, for members' fulfils, the order's status, the delivery window and the fulfil call itself.
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'
import type { OrderedEvent } from '#protocol/delivered.ts'

/** What every service following DataMarket's orders is configured with. */
export interface MarketFollowOptions {
  chainId: number
  registry: Hex
  /** the DataMarket */
  market: Hex
  /** the deployment's block: no order is older */
  fromBlock: number
  confirmations: number
  pollIntervalMs: number
}

export interface MarketChain {
  head(options?: AbortOptions): Promise<number>
  ordered(fromBlock: number, toBlock: number, options?: AbortOptions): Promise<OrderedEvent[]>
}

/** DataMarket's Status enum (orderOf): 0 none, 1 open, 2 fulfilled, 3 refunded. */
export const ORDER_STATUS = ['none', 'open', 'fulfilled', 'refunded'] as const
export type OrderStatus = typeof ORDER_STATUS[number]

export interface SettlementChain extends MarketChain {
  status(orderId: bigint, options?: AbortOptions): Promise<OrderStatus>
  /** the market's delivery window, blocks: an order is open at most this long */
  deliveryBlocks(options?: AbortOptions): Promise<number>
  /** sends fulfil with the members' signatures (signers ascending) and waits for its receipt; throws on a revert */
  fulfil(orderId: bigint, wrapHashes: readonly Hex[], signatures: readonly Hex[], options?: AbortOptions): Promise<{ tx: Hex, block: number }>
}
