import type { Address } from './input.ts'

/**
 * Ethereum mainnet contracts wallets approve every day (Permit2, Uniswap routers, Seaport and
 * OpenSea's conduit, 1inch, 0x): the default allowlist, extended by the user's store.
 */
export const WELL_KNOWN_SPENDERS: ReadonlySet<Address> = new Set<Address>([
  '0x000000000022d473030f116ddee9f6b43ac78ba3', // Uniswap Permit2
  '0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad', // Uniswap Universal Router
  '0x7a250d5630b4cf539739df2c5dacb4c659f2488d', // Uniswap V2 Router02
  '0xe592427a0aece92de3edee1f18e0157c05861564', // Uniswap V3 SwapRouter
  '0x68b3465833fb72a70ecdf485e0e4c7bd8665fc45', // Uniswap SwapRouter02
  '0x00000000000000adc04c56bf30ac9d3c0aaf14dc', // Seaport 1.5
  '0x0000000000000068f116a894984e2db1123eb395', // Seaport 1.6
  '0x1e0049783f008a0085193e00003d00cd54003c71', // OpenSea's Seaport conduit: what listing on OpenSea asks setApprovalForAll for
  '0x1111111254eeb25477b68fb85ed929f73a960582', // 1inch v5
  '0x111111125421ca6dc452d289314280a0f8842a65', // 1inch v6
  '0xdef1c0ded9bec7f1a1670819833240f027b25eff' // 0x Exchange Proxy
])
