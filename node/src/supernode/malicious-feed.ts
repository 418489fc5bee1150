// The malicious feed wallet guards mirror (issue 15): stored reports, oldest first, whose job is a
// wallet, domain or page script and whose verdicts call it malicious. URLs stay out (a bad URL is
// not a bad domain) and files too (the guard sees hashes of page scripts, which are their own kind).
import { createHash } from 'node:crypto'
import type { FeedCursor, MaliciousFeedReader, MaliciousSubjectView } from '../api/ports.ts'
import type { ReportRepository } from '../db/report-repository.ts'
import type { Hex, IndicatorKind, Report } from '../../../protocol/src/messages.ts'

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
      const page = await reports.since(after, limit * SCAN_PER_ITEM, isMaliciousSubject, options)
      const subjects: MaliciousSubjectView[] = page.reports.slice(0, limit).map((report) => ({ kind: report.job.job.kind as IndicatorKind, subject: report.job.job.subject, report }))
      // stopped early at `limit`: continue after the last subject listed, not the last entry read
      const cut = page.reports.length > limit ? page.reports[limit - 1] as Report : undefined
      const next: FeedCursor | undefined = cut !== undefined ? { date: Math.max(0, Math.trunc(cut.date)), jobId: cut.jobId.toLowerCase() as Hex } : page.last ?? after
      return { subjects, next, more: cut !== undefined || page.more }
    }
  }
}
