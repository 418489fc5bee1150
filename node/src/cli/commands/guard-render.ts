// `virusmap guard check` for a person: the decision, each finding, what the simulation saw.
import type { GuardResult } from '../../guard/index.ts'
import { terminalText } from '../terminal-text.ts'

export function renderGuardResult (r: GuardResult): string {
  const lines = [`decision: ${r.decision}`]
  for (const f of r.findings) lines.push(`  ${f.level.toUpperCase().padEnd(5)} ${f.id}: ${terminalText(f.message)}`)
  const s = r.simulation
  if (s.status === 'ok') {
    const e = s.effects
    const moves = [
      e.native !== 0n ? `native ${signed(e.native)} wei` : undefined,
      ...e.erc20.map(t => `${t.token} ${signed(t.delta)}`),
      ...e.nfts.map(n => `${n.token} #${n.id} ${signed(n.delta)}`),
      ...e.approvals.map(a => `approval of ${a.token} to ${a.spender}${a.amount !== undefined ? ` (${a.amount})` : a.approved === false ? ' (revoked)' : ' (all)'}`)
    ].filter(m => m !== undefined)
    lines.push(`simulation (${s.via}): ${moves.length === 0 ? 'no balance change' : moves.join('; ')}`)
  } else if (s.status === 'reverted') {
    lines.push(`simulation (${s.via}): reverts: ${terminalText(s.revertReason)}`)
  } else if (s.status === 'unavailable') {
    lines.push(`simulation: unavailable (${terminalText(s.reason)})`)
  }
  return lines.join('\n') + '\n'
}

const signed = (n: bigint): string => n > 0n ? `+${n}` : n.toString()
