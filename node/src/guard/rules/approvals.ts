// Spending rights: approve, increaseAllowance, setApprovalForAll, EIP-2612 Permit, Permit2.
// A grant to an address with no code is how drainers collect (an EOA spender is never a dapp);
// unlimited or long-lived grants are judged by the spender's age and the allowlist.
import { finding, type Finding, type RuleInput } from '../finding.ts'
import { grants, type Grant } from '../involved.ts'

/** at or above this an allowance is "unlimited": 2^128 exceeds any real token supply */
export const UNLIMITED = (1n << 128n) - 1n
/** a grant valid longer than this is long-lived */
export const LONG_LIVED_SECONDS = 30n * 24n * 3600n
/** a contract younger than this is new */
export const YOUNG_SECONDS = 3 * 24 * 3600

export function approvalsRule (input: RuleInput): Finding[] {
  const out: Finding[] = []
  const user = input.request.from
  for (const g of grants(input.request, input.simulation)) {
    if (g.spender === user) continue
    const evidence = { token: g.token, spender: g.spender, via: g.source, amount: g.amount?.toString() ?? 'all', expiresAt: g.expiresAt?.toString() }
    const code = input.facts?.hasCode.get(g.spender)
    if (code === false) {
      out.push(finding('approval-to-eoa', 'block', `grants ${describe(g)} to ${g.spender}, an address with no code`, evidence))
      continue
    }
    if (code === undefined || input.allowlist.has(g.spender)) continue
    const broad = g.amount === undefined || g.amount >= UNLIMITED
    // only signed grants carry an expiry; an on-chain allowance lasts until revoked and counts by amount
    const longLived = g.expiresAt !== undefined && g.expiresAt - BigInt(input.facts?.now ?? 0) > LONG_LIVED_SECONDS
    const age = input.facts?.ageSeconds.get(g.spender)
    const young = age !== undefined && age < YOUNG_SECONDS
    if ((broad || longLived || g.batch) && young) {
      out.push(finding('broad-approval-to-new-contract', 'block', `grants ${describe(g)} to a contract created ${hours(age)} ago`, { ...evidence, ageSeconds: age }))
    } else if (broad || longLived) {
      out.push(finding('broad-approval', 'warn', `grants ${describe(g)} to ${g.spender}, not on the allowlist`, { ...evidence, ageSeconds: age }))
    } else if (g.batch) {
      out.push(finding('permit2-batch', 'warn', `one signature grants ${g.spender} several tokens`, evidence))
    }
  }
  return out
}

function describe (g: Grant): string {
  if (g.amount === undefined) return 'all tokens of the collection'
  return g.amount >= UNLIMITED ? 'an unlimited allowance' : `an allowance of ${g.amount} units`
}

const hours = (seconds: number): string => seconds < 3600 ? `${Math.max(0, Math.round(seconds / 60))} minutes` : `${Math.round(seconds / 3600)} hours`
