// The patent's environment check: wallet prompts fired by a script rather than the user. Three
// or more connect-type requests without a gesture within 60 s warn; with another danger
// finding, or an ungestured signature request right after, they block.
import { finding, type Finding, type RuleInput } from '../finding.ts'
import { SIGNATURE_METHODS } from '../request.ts'

export const BURST_WINDOW_MS = 60_000
export const BURST_COUNT = 3

export function behaviourRule (input: RuleInput, others: readonly Finding[]): Finding[] {
  const recent = input.connects.filter(c => c.gesture === false && input.now - c.at <= BURST_WINDOW_MS && c.at <= input.now)
  if (recent.length < BURST_COUNT) return []
  const evidence = { ungesturedConnects: recent.length, windowSeconds: BURST_WINDOW_MS / 1000, methods: [...new Set(recent.map(c => c.method))] }
  const danger = others.filter(f => f.level !== 'info').map(f => f.id)
  const ungesturedSignature = SIGNATURE_METHODS.has(input.request.method) && input.page.gesture === false
  if (danger.length > 0 || ungesturedSignature) {
    return [finding('scripted-prompts', 'block', `the page fired ${recent.length} wallet prompts without a click, then ${ungesturedSignature ? 'a signature request without one' : 'a dangerous request'}`, { ...evidence, danger, ungesturedSignature })]
  }
  return [finding('scripted-prompts', 'warn', `the page fired ${recent.length} wallet prompts without a click within a minute`, evidence)]
}
