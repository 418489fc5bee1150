// Where the guard reads prices on each chain, as data: Chainlink AggregatorV3 feeds quoted in USD
// for the native coin and well-known tokens, and a Uniswap V2 factory whose <token>/WETH pools
// quote any other token. All are read through the user's own RPC at the current block
// (prices.ts); a chain absent here has no prices, and the balance-drop rule then judges as it
// does without them (value-assets.ts).
import type { Address } from './input.ts'

export interface UsdFeed {
  /** an AggregatorV3Interface answering in USD */
  feed: Address
  /** decimals of the asset priced (the feed's own are read from it) */
  decimals: number
}

export interface PriceSources {
  /** the chain's native coin */
  native?: UsdFeed
  /** token -> its USD feed */
  tokens: ReadonlyMap<Address, UsdFeed>
  /** a Uniswap V2 factory whose pools against `weth` quote other tokens; `weth` must have a feed in `tokens` */
  uniswapV2?: { factory: Address, weth: Address }
  /** an answer older than this (seconds before the block) is stale: no price. Default: 25 hours (stablecoin feeds beat daily) */
  maxAgeSeconds?: number
}

const ETH_USD_MAINNET: Address = '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419'
const ETH_USD_OPTIMISM: Address = '0x13e3ee699d1909e989722e753853ae30b17e08c5'

/** the chains the guard knows, by chain id */
export const PRICE_SOURCES: ReadonlyMap<number, PriceSources> = new Map<number, PriceSources>([
  [1, {
    native: { feed: ETH_USD_MAINNET, decimals: 18 },
    tokens: new Map<Address, UsdFeed>([
      ['0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', { feed: ETH_USD_MAINNET, decimals: 18 }], // WETH
      ['0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', { feed: '0x8fffffd4afb6115b954bd326cbe7b4ba576818f6', decimals: 6 }], // USDC
      ['0xdac17f958d2ee523a2206206994597c13d831ec7', { feed: '0x3e7d1eab13ad0104d2750b8863b489d65364e32d', decimals: 6 }], // USDT
      ['0x6b175474e89094c44da98b954eedeac495271d0f', { feed: '0xaed0c38402a5d19df6e4c03f4e2dced6e29c1ee9', decimals: 18 }], // DAI
      ['0x2260fac5e5542a773aa44bbcfedf7c193bc2c599', { feed: '0xf4030086522a5beea4988f8ca5b36dbc97bee88c', decimals: 8 }], // WBTC, at BTC/USD
      ['0x514910771af9ca656af840dff83e8264ecf986ca', { feed: '0x2c1d072e956affc0d435cb7ac38ef18d24d9127c', decimals: 18 }] // LINK
    ]),
    uniswapV2: { factory: '0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f', weth: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2' }
  }],
  [10, {
    native: { feed: ETH_USD_OPTIMISM, decimals: 18 },
    tokens: new Map<Address, UsdFeed>([
      ['0x4200000000000000000000000000000000000006', { feed: ETH_USD_OPTIMISM, decimals: 18 }] // WETH
    ])
  }]
])
