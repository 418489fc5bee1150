// USD values of what a call moves, read on chain through the user's own RPC at the latest block,
// so no third party learns what the user is about to sign: Chainlink AggregatorV3 feeds for the
// native coin and well-known tokens, else a Uniswap V2 <token>/WETH pool. A pool is valued by
// what selling the amount into it would pay out (the constant-product quote with its 0.3% fee),
// not by its spot price: a drainer's own thin pool then values its bait at about the WETH it
// locked there, not at a price it set. Whatever cannot be priced (no source on the chain, a stale,
// negative or malformed answer, no pool, an empty pool, the caller's deadline) is left out of the
// answer, and the rule judges that asset as it does without prices.
import type { AbortOptions } from '@libp2p/interface'
import type { Address } from './input.ts'
import { PRICE_SOURCES, type PriceSources, type UsdFeed } from './price-sources.ts'
import type { JsonRpc } from './rpc.ts'

export type PriceSource = 'chainlink' | 'uniswap-v2'
export type PricedAsset = Address | 'native'

export interface UsdValue {
  /** USD, 18 decimals */
  usd: bigint
  source: PriceSource
}

export interface PriceReader {
  /**
   * The USD value of each amount on `chainId` at the latest block, whose timestamp is `now`
   * (seconds; feeds older than the chain's maxAgeSeconds are stale). Never throws: an asset
   * missing from the answer has no price.
   */
  value(chainId: number | undefined, amounts: ReadonlyMap<PricedAsset, bigint>, now: number, options?: AbortOptions): Promise<Map<PricedAsset, UsdValue>>
}

/** assets priced per check, at most: each costs up to four calls */
export const MAX_PRICED = 16
const DEFAULT_MAX_AGE = 25 * 3600
/** a feed claiming more decimals than this is not a price feed */
const MAX_FEED_DECIMALS = 36
const SELECTOR = { decimals: '0x313ce567', latestRoundData: '0xfeaf968c', getPair: '0xe6a43905', token0: '0x0dfe1681', getReserves: '0x0902f1ac' } as const
const WORD = /^[0-9a-fA-F]{64}$/
const ADDRESS_WORD = /^0{24}([0-9a-fA-F]{40})$/

const words = (out: unknown, count: number): bigint[] | undefined => {
  if (typeof out !== 'string' || !out.startsWith('0x') || out.length < 2 + 64 * count) return undefined
  const ws: bigint[] = []
  for (let i = 0; i < count; i++) {
    const w = out.slice(2 + 64 * i, 2 + 64 * (i + 1))
    if (!WORD.test(w)) return undefined
    ws.push(BigInt(`0x${w}`))
  }
  return ws
}
const addressWord = (a: Address): string => a.slice(2).padStart(64, '0')
const INT256_SIGN = 1n << 255n

export function createPriceReader (rpc: JsonRpc, sources: ReadonlyMap<number, PriceSources> = PRICE_SOURCES): PriceReader {
  // a feed's decimals never change: read once per feed
  const feedDecimals = new Map<string, number>()

  const ethCall = async (to: Address, data: string, options?: AbortOptions): Promise<unknown> => await rpc.call<unknown>('eth_call', [{ to, data }, 'latest'], options)

  const decimalsOf = async (chainId: number, feed: Address, options?: AbortOptions): Promise<number | undefined> => {
    const key = `${chainId}:${feed}`
    const known = feedDecimals.get(key)
    if (known !== undefined) return known
    const [d] = words(await ethCall(feed, SELECTOR.decimals, options), 1) ?? []
    if (d === undefined || d > BigInt(MAX_FEED_DECIMALS)) return undefined
    feedDecimals.set(key, Number(d))
    return Number(d)
  }

  return {
    async value (chainId, amounts, now, options) {
      const out = new Map<PricedAsset, UsdValue>()
      const src = chainId === undefined ? undefined : sources.get(chainId)
      if (chainId === undefined || src === undefined) return out
      const maxAge = BigInt(src.maxAgeSeconds ?? DEFAULT_MAX_AGE)
      // one round per feed per check, shared by the assets it prices
      const rounds = new Map<Address, Promise<{ answer: bigint, decimals: number } | undefined>>()
      const round = async (feed: Address): Promise<{ answer: bigint, decimals: number } | undefined> => {
        let r = rounds.get(feed)
        if (r === undefined) {
          r = (async () => {
            const [decimals, data] = await Promise.all([decimalsOf(chainId, feed, options), ethCall(feed, SELECTOR.latestRoundData, options)])
            const w = words(data, 5)
            if (decimals === undefined || w === undefined) return undefined
            const [, answer, , updatedAt] = w as [bigint, bigint, bigint, bigint, bigint]
            // int256: a negative or zero answer is no price; an answer from the future or older than maxAge is stale
            if (answer === 0n || answer >= INT256_SIGN || updatedAt > BigInt(now) + 60n || updatedAt + maxAge < BigInt(now)) return undefined
            return { answer, decimals }
          })()
          rounds.set(feed, r)
        }
        return await r
      }
      const atFeed = async (feed: UsdFeed, amount: bigint): Promise<bigint | undefined> => {
        const r = await round(feed.feed)
        return r === undefined ? undefined : amount * r.answer * 10n ** 18n / 10n ** BigInt(feed.decimals + r.decimals)
      }
      /** what selling `amount` of `token` into its WETH pool pays, in WETH */
      const poolQuote = async (token: Address, amount: bigint): Promise<bigint | undefined> => {
        const v2 = src.uniswapV2
        if (v2 === undefined || token === v2.weth) return undefined
        const pairOut = await ethCall(v2.factory, `${SELECTOR.getPair}${addressWord(token)}${addressWord(v2.weth)}`, options)
        const pair = typeof pairOut === 'string' ? ADDRESS_WORD.exec(pairOut.slice(2, 66))?.[1]?.toLowerCase() : undefined
        if (pair === undefined || /^0+$/.test(pair)) return undefined
        const [t0, reserves] = await Promise.all([ethCall(`0x${pair}`, SELECTOR.token0, options), ethCall(`0x${pair}`, SELECTOR.getReserves, options)])
        const token0 = typeof t0 === 'string' ? ADDRESS_WORD.exec(t0.slice(2, 66))?.[1]?.toLowerCase() : undefined
        const r = words(reserves, 2)
        if (token0 === undefined || r === undefined) return undefined
        const [rIn, rOut] = `0x${token0}` === token ? [r[0] as bigint, r[1] as bigint] : [r[1] as bigint, r[0] as bigint]
        if (rIn === 0n || rOut === 0n) return undefined
        return amount * 997n * rOut / (rIn * 1000n + amount * 997n)
      }
      const priceOne = async (asset: PricedAsset, amount: bigint): Promise<UsdValue | undefined> => {
        const feed = asset === 'native' ? src.native : src.tokens.get(asset)
        if (feed !== undefined) {
          const usd = await atFeed(feed, amount)
          return usd === undefined ? undefined : { usd, source: 'chainlink' }
        }
        if (asset === 'native') return undefined
        const weth = src.uniswapV2 === undefined ? undefined : src.tokens.get(src.uniswapV2.weth)
        if (weth === undefined) return undefined
        const wethOut = await poolQuote(asset, amount)
        const usd = wethOut === undefined ? undefined : await atFeed(weth, wethOut)
        return usd === undefined ? undefined : { usd, source: 'uniswap-v2' }
      }
      await Promise.all([...amounts].slice(0, MAX_PRICED).map(async ([asset, amount]) => {
        try {
          const v = await priceOne(asset, amount < 0n ? -amount : amount)
          if (v !== undefined) out.set(asset, v)
        } catch {
          // a failing call, a refusing contract, the deadline: this asset has no price
        }
      }))
      return out
    }
  }
}
