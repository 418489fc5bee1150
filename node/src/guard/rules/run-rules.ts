import type { Decision, Finding, RuleInput } from '../finding.ts'
import { approvalsRule } from './approvals.ts'
import { balanceDropRule } from './balance-drop.ts'
import { behaviourRule } from './behaviour.ts'
import { maliciousRule } from './malicious.ts'
import { recipientsRule } from './recipients.ts'
import { signaturesRule } from './signatures.ts'
import { signingChainRule } from './signing-chain.ts'

/** Every rule over one request; the behaviour rule last, since it escalates on the others. Pure. */
export function runRules (input: RuleInput): Finding[] {
  const findings = [maliciousRule, signingChainRule, signaturesRule, approvalsRule, balanceDropRule, recipientsRule].flatMap(rule => rule(input))
  return [...findings, ...behaviourRule(input, findings)]
}

/**
 * block beats everything; then unverified (the chain did not answer, so the rules that need it
 * could not run); then warn; else allow.
 */
export function decide (findings: readonly Finding[], verified: boolean): Decision {
  if (findings.some(f => f.level === 'block')) return 'block'
  if (!verified) return 'unverified'
  return findings.some(f => f.level === 'warn') ? 'warn' : 'allow'
}
