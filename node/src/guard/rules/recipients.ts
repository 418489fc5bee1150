// Who gets the user's assets: address poisoning (a look-alike of one of the user's own past
// recipients, first and last 4 hex digits; compared only with past recipients, so vanity
// contracts never match), a first-time recipient, a contract younger than 3 days.
import { findPoisoningLookalikes } from '../../intel/address-poisoning.ts'
import { finding, type Finding, type RuleInput } from '../finding.ts'
import { contracts, recipients } from '../involved.ts'
import { YOUNG_SECONDS } from './approvals.ts'

export function recipientsRule (input: RuleInput): Finding[] {
  const out: Finding[] = []
  for (const to of recipients(input.request, input.simulation)) {
    if (input.pastRecipients.has(to)) continue
    const imitated = findPoisoningLookalikes(to, input.pastRecipients)
    if (imitated.length > 0) out.push(finding('address-poisoning', 'block', `${to} imitates ${imitated[0]}, an address you sent to before`, { recipient: to, imitates: imitated }))
    else if (input.facts?.hasCode.get(to) !== true) out.push(finding('new-recipient', 'info', `you never sent to ${to} before`, { recipient: to }))
  }
  for (const c of contracts(input.request)) {
    const age = input.facts?.ageSeconds.get(c)
    if (age !== undefined && age < YOUNG_SECONDS && !input.allowlist.has(c)) {
      out.push(finding('new-contract', 'warn', `${c} was created ${Math.round(age / 3600)} hours ago`, { contract: c, ageSeconds: age }))
    }
  }
  return out
}
