// The patent's "sharp balance drop": the simulation shows half the native balance or 90% of a
// token leaving. What comes back decides, and the guard has no price feed, so only what it can
// value without one counts (value-assets.ts: native ETH, well-known value tokens over a floor,
// allowlisted tokens):
// - something of value back (in the lost unit, at least half of it): nothing to say;
// - nothing back, or dust of value assets: `balance-drop`, block;
// - only tokens or NFTs the guard cannot value: a swap into an unpriced token and a drainer's
//   bait look the same without a price, so `balance-drop-unvalued` warns with what comes back
//   (never allows it silently, never blocks an honest swap as a drain). The one price-free sign of
//   bait escalates it to `balance-drop`: nobody in the call paid for what comes back (bait.ts:
//   bait minted by a contract nothing of the user's reaches, or handed out from a pre-minted
//   stock nothing of the user's reaches), which neither a swap (the pool is paid), a purchase (the
//   seller is paid) nor a paid mint (the collection is paid) looks like.
import { finding, type Finding, type RuleInput } from '../finding.ts'
import type { Address } from '../input.ts'
import { findBait } from './bait.ts'
import { NATIVE_ASSET, somethingBack, VALUE_TOKENS, valueBack } from '../value-assets.ts'

/** unvalued gains listed in the evidence, at most */
const MAX_UNVALUED = 8

export function balanceDropRule (input: RuleInput): Finding[] {
  const { simulation, facts } = input
  if (simulation.status === 'reverted') return [finding('simulation-reverted', 'warn', `the transaction would revert: ${simulation.revertReason}`, { reason: simulation.revertReason })]
  if (simulation.status !== 'ok' || facts === undefined) return []
  const e = simulation.effects
  const back = valueBack(e, input.allowlist)
  const losses: Array<{ asset: Address | 'native', amount: bigint, balance: bigint, share: string }> = []
  const native = facts.nativeBalance
  if (e.native < 0n && native !== undefined && native > 0n && -e.native * 2n >= native && !somethingBack(back, NATIVE_ASSET, -e.native)) {
    losses.push({ asset: 'native', amount: -e.native, balance: native, share: `${percent(-e.native, native)}% of your native balance` })
  }
  for (const t of e.erc20) {
    const balance = facts.tokenBalances.get(t.token)
    if (t.delta < 0n && balance !== undefined && balance > 0n && -t.delta * 10n >= balance * 9n && !somethingBack(back, VALUE_TOKENS.get(t.token), -t.delta)) {
      losses.push({ asset: t.token, amount: -t.delta, balance, share: `${percent(-t.delta, balance)}% of a token's balance` })
    }
  }
  if (losses.length === 0) return []
  const unvalued = back.unvalued.slice(0, MAX_UNVALUED)
  const bait = input.request.from === undefined ? { tokens: [], origins: [] } : findBait(e, input.request.from, back.unvalued)
  const drained = back.unvalued.length === 0 || bait.tokens.length === back.unvalued.length
  return losses.map(({ asset, amount, balance, share }) => {
    const evidence = { asset, amount: amount.toString(), balance: balance.toString(), ...unvalued.length > 0 ? { unvaluedGains: unvalued, priceSource: 'none' } : {} }
    if (back.unvalued.length === 0) return finding('balance-drop', 'block', `${share} leaves and nothing comes back`, evidence)
    if (drained) return finding('balance-drop', 'block', `${share} leaves and only tokens nobody in the transaction paid for come back: bait`, { ...evidence, bait: bait.tokens.slice(0, MAX_UNVALUED), baitFrom: bait.origins.slice(0, MAX_UNVALUED) })
    return finding('balance-drop-unvalued', 'warn', `${share} leaves and only tokens the guard cannot value come back: check you get what you expect`, evidence)
  })
}

const percent = (part: bigint, whole: bigint): string => (Number(part * 1000n / whole) / 10).toString()
