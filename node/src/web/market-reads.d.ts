/** Types of market-reads.js, the page's JSON-RPC reads of a wallet's data-market orders. */
export interface WebOrder {
  orderId: bigint
  buyer: string
  product: string
  subject: string
  buyerX25519Key: string
  price: bigint
  deadline: number
  block: number
  status: 'none' | 'open' | 'fulfilled' | 'refunded' | 'unknown'
}
export const ORDERED_EVENT: string
export const ORDER_STATUS: readonly string[]
export function productName (hex: string): string
export function feedEpoch (subject: string): number | undefined
export function decodeOrdered (log: unknown, market: string, topic: string): Omit<WebOrder, 'status'>
export interface MarketReads {
  ordersOf(buyer: string, options?: { fromBlock?: number, limit?: number }): Promise<WebOrder[]>
}
export function createMarketReads (opts: { rpcUrl: string, market: string }, keccak: (bytes: Uint8Array) => Uint8Array): MarketReads
