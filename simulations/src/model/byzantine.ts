import { hasQuorum } from '#protocol/quorum.ts'
import { runJobs } from './member-sweep.ts'
import type { MemberRole } from './job-model.ts'
import type { ModelParams } from './params.ts'

export interface ByzantineRow {
  role: MemberRole
  faulty: number
  /** shares of (job x honest member): a correct report, a wrong one, none */
  correct: number
  wrong: number
  none: number
}

/** Members 0..f-1 faulty in one way (the origin is always honest); everyone else honest. */
export function byzantineRun (n: number, f: number, role: MemberRole, seed: number, params: ModelParams, jobs: number): ByzantineRow {
  const roles: MemberRole[] = Array.from({ length: n }, (_, m) => (m < f ? role : 'honest'))
  const r = runJobs({ members: n, seed, params, jobs, roles, commitMs: 3000, revealMs: 3000, spacingMs: 15_000 })
  let correct = 0
  let wrong = 0
  let total = 0
  for (const out of r.outcomes) {
    for (let m = f; m < n; m++) {
      total++
      const c = out.categories.get(m)
      if (c === 'malicious') correct++
      else if (c !== undefined && c !== 'none') wrong++
    }
  }
  const share = (x: number): number => Math.round((x / Math.max(1, total)) * 1000) / 1000
  return { role, faulty: f, correct: share(correct), wrong: share(wrong), none: share(total - correct - wrong) }
}

/** What the protocol's own quorum rule says for f withholding members of n: a report or none. */
export function withholdingExpectation (n: number, f: number): 'report' | 'none' {
  return hasQuorum(n - f, n) ? 'report' : 'none'
}
