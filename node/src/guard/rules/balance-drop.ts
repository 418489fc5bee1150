// The patent's "sharp balance drop": the simulation shows half the native balance or 90% of a
// token leaving. What comes back decides.
// - With a price for what leaves (prices.ts: Chainlink feeds, a Uniswap V2 pool's quote, read on
//   chain at the current block), the rule compares dollars over the whole call: at least half of
//   what leaves coming back is a trade; less, with every gain priced, is `balance-drop` (block),
//   so a drainer returning a few dollars, or bait whose own thin pool quotes it at cents, is
//   stopped. Gains without a price are judged as below.
// - Without one, only what the guard can value without a price counts (value-assets.ts: native
//   ETH, well-known value tokens over a floor, allowlisted tokens): something of value back (in
//   the lost unit, at least half of it): nothing to say; nothing back, or dust: `balance-drop`.
// - Only tokens or NFTs the guard cannot value: a swap into an unpriced token and a drainer's
//   bait look the same, so `balance-drop-unvalued` warns with what comes back (never allows it
//   silently, never blocks an honest swap as a drain). The one price-free sign of bait escalates
//   it to `balance-drop`: nobody in the call paid for what comes back (bait.ts: bait minted by a
//   contract nothing of the user's reaches, or handed out from a pre-minted stock nothing of the
//   user's reaches), which neither a swap (the pool is paid), a purchase (the seller is paid) nor
//   a paid mint (the collection is paid) looks like.
import { finding, type Finding, type RuleInput } from '../finding.ts'
import type { Address } from '../input.ts'
import { findBait } from './bait.ts'
import { dollars, NATIVE_ASSET, pricedTrade, somethingBack, VALUE_TOKENS, valueBack } from '../value-assets.ts'

/** unvalued gains listed in the evidence, at most */
const MAX_UNVALUED = 8

export function balanceDropRule (input: RuleInput): Finding[] {
  const { simulation, facts } = input
  if (simulation.status === 'reverted') return [finding('simulation-reverted', 'warn', `the transaction would revert: ${simulation.revertReason}`, { reason: simulation.revertReason })]
  if (simulation.status !== 'ok' || facts === undefined) return []
  const e = simulation.effects
  const back = valueBack(e, input.allowlist)
  const usd = facts.usd ?? new Map()
  const trade = pricedTrade(e, usd, input.allowlist)
  // a priced loss is judged in dollars over the whole call; an unpriced one by what counts without prices
  const kept = (asset: Address | 'native', amount: bigint): boolean => usd.has(asset)
    ? !back.allowlisted && trade.backUsd * 2n < trade.outUsd
    : !somethingBack(back, asset === 'native' ? NATIVE_ASSET : VALUE_TOKENS.get(asset), amount)
  const losses: Array<{ asset: Address | 'native', amount: bigint, balance: bigint, share: string }> = []
  const native = facts.nativeBalance
  if (e.native < 0n && native !== undefined && native > 0n && -e.native * 2n >= native && kept('native', -e.native)) {
    losses.push({ asset: 'native', amount: -e.native, balance: native, share: `${percent(-e.native, native)}% of your native balance` })
  }
  for (const t of e.erc20) {
    const balance = facts.tokenBalances.get(t.token)
    if (t.delta < 0n && balance !== undefined && balance > 0n && -t.delta * 10n >= balance * 9n && kept(t.token, -t.delta)) {
      losses.push({ asset: t.token, amount: -t.delta, balance, share: `${percent(-t.delta, balance)}% of a token's balance` })
    }
  }
  if (losses.length === 0) return []
  return losses.map(({ asset, amount, balance, share }) => {
    const priced = usd.has(asset)
    // priced: what has no price is what may still be worth something; unpriced: whatever value-assets cannot value
    const unvaluedAll = priced ? trade.unpriced : back.unvalued
    const unvalued = unvaluedAll.slice(0, MAX_UNVALUED)
    const bait = input.request.from === undefined ? { tokens: [], origins: [] } : findBait(e, input.request.from, unvaluedAll)
    const worth = priced ? `($${dollars(trade.outUsd)} leaves, $${dollars(trade.backUsd)} comes back) ` : ''
    const evidence = {
      asset,
      amount: amount.toString(),
      balance: balance.toString(),
      ...priced ? { lostUsd: dollars(trade.outUsd), backUsd: dollars(trade.backUsd), priceSource: trade.sources.join('+') } : {},
      ...unvalued.length > 0 ? { unvaluedGains: unvalued, ...priced ? {} : { priceSource: 'none' } } : {}
    }
    if (unvaluedAll.length === 0) return finding('balance-drop', 'block', priced ? `${share} leaves ${worth}and nothing else comes back` : `${share} leaves and nothing comes back`, evidence)
    if (bait.tokens.length === unvaluedAll.length) return finding('balance-drop', 'block', `${share} leaves ${worth}and only tokens nobody in the transaction paid for come back: bait`, { ...evidence, bait: bait.tokens.slice(0, MAX_UNVALUED), baitFrom: bait.origins.slice(0, MAX_UNVALUED) })
    return finding('balance-drop-unvalued', 'warn', `${share} leaves ${worth}and only tokens the guard cannot value come back: check you get what you expect`, evidence)
  })
}

const percent = (part: bigint, whole: bigint): string => (Number(part * 1000n / whole) / 10).toString()
