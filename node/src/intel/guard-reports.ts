// The member engine rule for wallet guards' reports (issue 15 item 5): a subject becomes
// suspicious once GUARD_REPORT_QUORUM distinct signed submitters reported it within the window.
// `context` is written by whoever submits, so nothing in it is believed: it only marks a job as a
// guard's report, and only the count of distinct verified submitters decides. Pure, and a function
// of signed job fields only (submitter, submittedAt), so members that stored the same earlier
// reports judge a job alike: a report counts only if it came before the job judged (by
// submittedAt, then submitter address), never one a member happened to see since.
//
// What still lets a sybil through: submitter keys are free, so one actor signing with
// GUARD_REPORT_QUORUM wallets trips the rule. What bounds it: the verdict is `suspicious`, never
// `malicious`, so on its own it never reaches the guards' malicious feed (which lists subjects with
// malicious verdicts) and never blocks anyone's wallet; each report is a signed, rate-limited
// submission costing the submitter a fresh signature within 10 minutes; and the evidence is public
// (the submitters are in the jobs). Closing it needs submitters with a cost: a stake, or a record
// of earlier reports the network confirmed.
import { ZERO_ADDRESS, type Hex } from '#protocol/messages.ts'
import type { Judgement } from './indicator-engine.ts'

/** how a wallet guard's block report's context begins (guard/guard-indicators.ts writes it) */
export const CONTEXT_PREFIX = 'virusmap-guard block'

export const GUARD_REPORT_QUORUM = 3
export const GUARD_REPORT_WINDOW_MS = 30 * 24 * 3600_000
/** the verdict's label: the same on every member whatever count it saw beyond the quorum */
export const GUARD_REPORT_LABEL = 'guard-reports'

export interface GuardReportJob {
  submitter: Hex
  /** 0 when anonymous */
  submittedAt: number
  createdAt: number
  context: string
}

export interface CountedReport { submitter: Hex, submittedAt: number }

/** whether a job is a wallet guard's signed block report (its context says so, and a submitter signed it) */
export const isGuardReport = (job: Pick<GuardReportJob, 'context' | 'submitter' | 'submittedAt'>): boolean =>
  job.context.startsWith(CONTEXT_PREFIX) && job.submitter.toLowerCase() !== ZERO_ADDRESS && job.submittedAt > 0

/** the time a job is judged at: its signed submittedAt, else (anonymous) its creation */
export const jobTime = (job: Pick<GuardReportJob, 'submittedAt' | 'createdAt'>): number => job.submittedAt > 0 ? job.submittedAt : job.createdAt

export interface GuardReportOptions { quorum?: number, windowMs?: number }

/** The distinct submitters whose reports count for `job`: before it, within the window; the job's own if it is one. */
export function countedSubmitters (reports: readonly CountedReport[], job: GuardReportJob, windowMs = GUARD_REPORT_WINDOW_MS): Set<Hex> {
  const at = jobTime(job)
  const self = job.submitter.toLowerCase()
  const out = new Set<Hex>()
  for (const r of reports) {
    if (typeof r.submitter !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(r.submitter) || !Number.isSafeInteger(r.submittedAt)) continue
    const submitter = r.submitter.toLowerCase() as Hex
    const before = r.submittedAt < at || (r.submittedAt === at && submitter <= self)
    if (before && r.submittedAt > at - windowMs && submitter !== ZERO_ADDRESS) out.add(submitter)
  }
  if (isGuardReport(job)) out.add(job.submitter.toLowerCase() as Hex)
  return out
}

export function judgeGuardReports (reports: readonly CountedReport[], job: GuardReportJob, options: GuardReportOptions = {}): Judgement {
  const quorum = Math.max(2, options.quorum ?? GUARD_REPORT_QUORUM)
  return countedSubmitters(reports, job, options.windowMs).size >= quorum
    ? { category: 'suspicious', result: GUARD_REPORT_LABEL }
    : { category: 'undetected', result: '' }
}
