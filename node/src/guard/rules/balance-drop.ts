// The patent's "sharp balance drop": the simulation shows half the native balance or 90% of a
// token leaving. What comes back decides, and the guard has no price feed, so only what it can
// value without one counts (value-assets.ts: native ETH, well-known value tokens over a floor,
// allowlisted tokens):
// - something of value back (in the lost unit, at least half of it): nothing to say;
// - nothing back, or dust of value assets: `balance-drop`, block;
// - only tokens or NFTs the guard cannot value: a swap into an unpriced token and a drainer's
//   bait look the same without a price, so `balance-drop-unvalued` warns with what comes back
//   (never allows it silently, never blocks an honest swap as a drain). The one price-free sign of
//   bait escalates it to `balance-drop`: every unvalued gain was minted to the user (from the zero
//   address) by a contract that received none of what the user gives, which neither a DEX swap
//   (the token comes from a pool) nor a mint the user pays for (the collection is paid) does.
import { ZeroAddress } from 'ethers'
import { finding, type Finding, type RuleInput } from '../finding.ts'
import type { Effects } from '../effects.ts'
import type { Address } from '../input.ts'
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
  const bait = input.request.from === undefined ? [] : mintedBait(e, input.request.from, back.unvalued)
  const drained = back.unvalued.length === 0 || bait.length === back.unvalued.length
  return losses.map(({ asset, amount, balance, share }) => {
    const evidence = { asset, amount: amount.toString(), balance: balance.toString(), ...unvalued.length > 0 ? { unvaluedGains: unvalued, priceSource: 'none' } : {} }
    if (back.unvalued.length === 0) return finding('balance-drop', 'block', `${share} leaves and nothing comes back`, evidence)
    if (drained) return finding('balance-drop', 'block', `${share} leaves and only tokens minted to you by a contract you pay nothing come back: bait`, { ...evidence, mintedBait: bait.slice(0, MAX_UNVALUED) })
    return finding('balance-drop-unvalued', 'warn', `${share} leaves and only tokens the guard cannot value come back: check you get what you expect`, evidence)
  })
}

/**
 * The unvalued gains minted to `user` from the zero address by a token contract that receives
 * none of the user's outgoing assets in this call.
 */
function mintedBait (effects: Effects, user: Address, unvalued: readonly Address[]): Address[] {
  const paid = new Set(effects.transfers.filter(t => t.from === user).map(t => t.to))
  return unvalued.filter(token => !paid.has(token) && effects.transfers.some(t => t.token === token && t.to === user && t.from === ZeroAddress))
}

const percent = (part: bigint, whole: bigint): string => (Number(part * 1000n / whole) / 10).toString()
