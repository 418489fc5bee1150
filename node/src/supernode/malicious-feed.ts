// The malicious feed wallet guards mirror (issue 15): stored reports, in the order this node stored
// them (not by report date: a report arriving late with an old date would sort behind a cursor
// already served), whose job is a wallet, domain or page script and whose verdicts call it
// malicious. URLs stay out (a bad URL is not a bad domain) and files too (the guard sees hashes of
// page scripts, which are their own kind). A cursor's `date` is the storing position (ms-based).
import { createHash } from 'node:crypto'
import type { FeedCursor, MaliciousFeedReader, MaliciousSubjectView } from '../api/ports/index.ts'
import type { ReportRepository } from '../db/report-repository.ts'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

/** report-date entries read per requested subject: a page's cost stays bounded however few match */
const SCAN_PER_ITEM = 8
export const FEED_KINDS: ReadonlySet<string> = new Set(['wallet', 'domain', 'script'])

export const isMaliciousSubject = (r: Report): boolean => FEED_KINDS.has(r.job.job.kind) && r.stats.malicious > 0

/**
 * The tag this node puts in its cursors: a position in its own store means nothing on another
 * node (which stored other reports, or the same ones later), so each node refuses the others'.
 * `node` names the node (its deployment and operator).
 */
export const feedIssuer = (node: string): string => createHash('sha256').update(`virusmap-malicious-feed:${node}`).digest('hex').slice(0, 16)

export function createMaliciousFeed (reports: ReportRepository, node: string): MaliciousFeedReader {
  return {
    issuer: feedIssuer(node),
    async since (after, limit, options) {
      const page = await reports.stored(after === undefined ? undefined : { position: after.date, jobId: after.jobId }, limit * SCAN_PER_ITEM, isMaliciousSubject, options)
      const subjects: MaliciousSubjectView[] = page.reports.slice(0, limit).map(({ report }) => ({ kind: report.job.job.kind as IndicatorKind, subject: report.job.job.subject, report }))
      // stopped early at `limit`: continue after the last subject listed, not the last entry read
      const cut = page.reports.length > limit ? page.reports[limit - 1] : undefined
      const at = cut ?? page.last
      const next: FeedCursor | undefined = at !== undefined ? { date: at.position, jobId: at.jobId } : after
      return { subjects, next, more: cut !== undefined || page.more }
    }
  }
}
