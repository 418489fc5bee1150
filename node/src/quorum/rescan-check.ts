/**
 * Whether the origin scans a final report's sample once more (SPEC sections 10 and 17). A member's engines
 * still running when its scan budget ends report `timeout`; on a loaded network that leaves the first report
 * of a malicious file at one detecting engine, and the reward function pays its wallet only once a later
 * report of the same bytes in the window confirms it. So a signed report of one subject (a file, an ip, a
 * wallet, a script: its item is its sha256) that some member's timeout left unconfirmed is scanned again.
 * Unsigned reports earn nothing either way; URL and domain items hold many subjects, so a rescan could not
 * pay their first report; a report that is confirmed, or a test signature, needs nothing more.
 */
import { classify, DEFAULT_REWARD_PARAMS, isOneSubjectKind, rewardFactsOf, ZERO_ADDRESS } from '#protocol/index.ts'
import type { Report } from '#protocol/index.ts'

export function needsRescan (report: Report): boolean {
  const job = report.job.job
  if (job.submitter === ZERO_ADDRESS || !isOneSubjectKind(job.kind)) return false
  if (!report.verdicts.some(v => v.verdict.results.some(r => r.category === 'timeout'))) return false
  // classes read only the fixed test lists of the parameters, not a governed value
  return classify(rewardFactsOf(report, 0), DEFAULT_REWARD_PARAMS) === 'none'
}
