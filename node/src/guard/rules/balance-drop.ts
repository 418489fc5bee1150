// The patent's "sharp balance drop": the simulation shows half the native balance or 90% of a
// token leaving, and nothing of value coming back. What counts as value is value-assets.ts's
// choice: native ETH, well-known value tokens over a floor, allowlisted tokens; a worthless token
// or NFT a drainer sends back as bait does not.
import { finding, type Finding, type RuleInput } from '../finding.ts'
import { NATIVE_ASSET, somethingBack, VALUE_TOKENS, valueBack } from '../value-assets.ts'

/** bait listed in the evidence, at most */
const MAX_UNVALUED = 8

export function balanceDropRule (input: RuleInput): Finding[] {
  const { simulation, facts } = input
  if (simulation.status === 'reverted') return [finding('simulation-reverted', 'warn', `the transaction would revert: ${simulation.revertReason}`, { reason: simulation.revertReason })]
  if (simulation.status !== 'ok' || facts === undefined) return []
  const e = simulation.effects
  const back = valueBack(e, input.allowlist)
  const unvalued = back.unvalued.length > 0 ? { unvaluedGains: back.unvalued.slice(0, MAX_UNVALUED) } : {}
  const nothing = back.unvalued.length > 0 ? 'only tokens the guard cannot value come back' : 'nothing comes back'
  const out: Finding[] = []
  const native = facts.nativeBalance
  if (e.native < 0n && native !== undefined && native > 0n && -e.native * 2n >= native && !somethingBack(back, NATIVE_ASSET, -e.native)) {
    out.push(finding('balance-drop', 'block', `${percent(-e.native, native)}% of your native balance leaves and ${nothing}`, { asset: 'native', amount: (-e.native).toString(), balance: native.toString(), ...unvalued }))
  }
  for (const t of e.erc20) {
    const balance = facts.tokenBalances.get(t.token)
    if (t.delta < 0n && balance !== undefined && balance > 0n && -t.delta * 10n >= balance * 9n && !somethingBack(back, VALUE_TOKENS.get(t.token), -t.delta)) {
      out.push(finding('balance-drop', 'block', `${percent(-t.delta, balance)}% of a token's balance leaves and ${nothing}`, { asset: t.token, amount: (-t.delta).toString(), balance: balance.toString(), ...unvalued }))
    }
  }
  return out
}

const percent = (part: bigint, whole: bigint): string => (Number(part * 1000n / whole) / 10).toString()
