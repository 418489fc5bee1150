// The patent's "sharp balance drop": the simulation shows half the native balance or 90% of a
// token leaving, and nothing of any kind coming back.
import { finding, type Finding, type RuleInput } from '../finding.ts'

export function balanceDropRule (input: RuleInput): Finding[] {
  const { simulation, facts } = input
  if (simulation.status === 'reverted') return [finding('simulation-reverted', 'warn', `the transaction would revert: ${simulation.revertReason}`, { reason: simulation.revertReason })]
  if (simulation.status !== 'ok' || facts === undefined) return []
  const e = simulation.effects
  const gains = e.native > 0n || e.erc20.some(t => t.delta > 0n) || e.nfts.some(n => n.delta > 0n)
  if (gains) return []
  const out: Finding[] = []
  const native = facts.nativeBalance
  if (e.native < 0n && native !== undefined && native > 0n && -e.native * 2n >= native) {
    out.push(finding('balance-drop', 'block', `${percent(-e.native, native)}% of your native balance leaves and nothing comes back`, { asset: 'native', amount: (-e.native).toString(), balance: native.toString() }))
  }
  for (const t of e.erc20) {
    const balance = facts.tokenBalances.get(t.token)
    if (t.delta < 0n && balance !== undefined && balance > 0n && -t.delta * 10n >= balance * 9n) {
      out.push(finding('balance-drop', 'block', `${percent(-t.delta, balance)}% of a token's balance leaves and nothing comes back`, { asset: t.token, amount: (-t.delta).toString(), balance: balance.toString() }))
    }
  }
  return out
}

const percent = (part: bigint, whole: bigint): string => (Number(part * 1000n / whole) / 10).toString()
