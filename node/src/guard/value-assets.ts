// What the balance-drop rule counts as "something coming back". With on-chain prices (prices.ts)
// the rule compares dollars: pricedTrade. Without a price for what leaves, a gain counts only in
// an asset whose value the guard knows without one: native ETH and a short list of mainnet value
// tokens (wrapped ETH, dollar stablecoins, wrapped BTC), each in its unit, or a token or
// collection the user put on the allowlist. Anything else (a token or NFT the drainer minted and
// sends back as bait) is worth nothing to the rule.
import type { Effects } from './effects.ts'
import type { Address } from './input.ts'
import type { PricedAsset, PriceSource, UsdValue } from './prices.ts'

export type ValueUnit = 'eth' | 'usd' | 'btc'

export interface ValueAsset { unit: ValueUnit, decimals: number }

export const NATIVE_ASSET: ValueAsset = { unit: 'eth', decimals: 18 }

export const VALUE_TOKENS: ReadonlyMap<Address, ValueAsset> = new Map<Address, ValueAsset>([
  ['0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', { unit: 'eth', decimals: 18 }], // WETH
  ['0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', { unit: 'usd', decimals: 6 }], // USDC
  ['0xdac17f958d2ee523a2206206994597c13d831ec7', { unit: 'usd', decimals: 6 }], // USDT
  ['0x6b175474e89094c44da98b954eedeac495271d0f', { unit: 'usd', decimals: 18 }], // DAI
  ['0x2260fac5e5542a773aa44bbcfedf7c193bc2c599', { unit: 'btc', decimals: 8 }] // WBTC
])

/**
 * The least of a unit, in 18 decimals, that counts as coming back: a few dollars. Below it, a
 * drainer's token wei of WETH or USDC is dust. Across units the guard cannot compare, so a drainer
 * that returns more than this in another unit than it takes still passes: the gap pricing would close.
 */
const FLOOR: Record<ValueUnit, bigint> = { eth: 10n ** 15n, usd: 10n ** 18n, btc: 5n * 10n ** 13n }

/** an amount of the asset in 18 decimals, so amounts of one unit compare */
const normalized = (amount: bigint, asset: ValueAsset): bigint => amount * 10n ** BigInt(18 - asset.decimals)

export interface ValueBack {
  /** gains by unit, in 18 decimals */
  byUnit: Map<ValueUnit, bigint>
  /** a gain in a token or collection the user allowlisted */
  allowlisted: boolean
  /** gained assets that count for nothing: the bait */
  unvalued: Address[]
}

export function valueBack (effects: Effects, allowlist: ReadonlySet<Address>): ValueBack {
  const back: ValueBack = { byUnit: new Map(), allowlisted: false, unvalued: [] }
  const add = (asset: ValueAsset, amount: bigint): void => { back.byUnit.set(asset.unit, (back.byUnit.get(asset.unit) ?? 0n) + normalized(amount, asset)) }
  if (effects.native > 0n) add(NATIVE_ASSET, effects.native)
  for (const t of effects.erc20.filter(g => g.delta > 0n)) {
    const asset = VALUE_TOKENS.get(t.token)
    if (asset !== undefined) add(asset, t.delta)
    else if (allowlist.has(t.token)) back.allowlisted = true
    else back.unvalued.push(t.token)
  }
  for (const n of effects.nfts.filter(g => g.delta > 0n)) {
    if (allowlist.has(n.token)) back.allowlisted = true
    else back.unvalued.push(n.token)
  }
  return back
}

/**
 * Whether `back` is something in return for losing `amount` of `lost` (undefined: a token the
 * guard cannot value): an allowlisted gain, or a gain over the floor of its unit that, in the
 * lost asset's own unit, is at least half of what leaves (a wrap or a stablecoin swap, not a refund of dust).
 */
export function somethingBack (back: ValueBack, lost: ValueAsset | undefined, amount: bigint): boolean {
  if (back.allowlisted) return true
  for (const [unit, gained] of back.byUnit) {
    if (gained < FLOOR[unit]) continue
    if (lost?.unit !== unit || gained * 2n >= normalized(amount, lost)) return true
  }
  return false
}

export interface PricedTrade {
  /** USD (18 decimals) of everything priced that leaves */
  outUsd: bigint
  /** USD of everything priced that comes back */
  backUsd: bigint
  /** gains without a price and not allowlisted: tokens, and every NFT collection */
  unpriced: Address[]
  sources: PriceSource[]
}

/** the call in dollars: what leaves and what comes back, as far as `usd` prices it */
export function pricedTrade (effects: Effects, usd: ReadonlyMap<PricedAsset, UsdValue>, allowlist: ReadonlySet<Address>): PricedTrade {
  const trade: PricedTrade = { outUsd: 0n, backUsd: 0n, unpriced: [], sources: [] }
  const add = (asset: PricedAsset, delta: bigint): boolean => {
    const v = usd.get(asset)
    if (v === undefined || delta === 0n) return false
    if (delta < 0n) trade.outUsd += v.usd
    else trade.backUsd += v.usd
    if (!trade.sources.includes(v.source)) trade.sources.push(v.source)
    return true
  }
  add('native', effects.native)
  for (const t of effects.erc20) {
    if (!add(t.token, t.delta) && t.delta > 0n && !allowlist.has(t.token)) trade.unpriced.push(t.token)
  }
  for (const n of effects.nfts) {
    if (n.delta > 0n && !allowlist.has(n.token) && !trade.unpriced.includes(n.token)) trade.unpriced.push(n.token)
  }
  return trade
}

/** dollars with cents, for a finding's message and evidence */
export const dollars = (usd: bigint): string => {
  const cents = usd / 10n ** 16n
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`
}
