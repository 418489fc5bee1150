/**
 * An epoch's metadata and intelligence feed (SPEC section 18, feeds): JSON lines, one per new flagged item
 * of the reports anchored in the epoch. A pure function of those reports, which every member agrees on (the
 * epoch's anchor root lists them), so the members that deliver a feed order build the same bytes, sign
 * deliveries of the same sha256, and f+1 of them include an honest one.
 *
 * Which lines: a report whose attested engines flag it (stats.malicious + stats.suspicious > 0); per item
 * (kind and sha256) one line, of its first report (smallest firstSeen, then smallest jobId), as rewards
 * name an item's first report; lines sorted by sha256, then kind; each line ends with "\n" (an epoch with
 * nothing flagged is the empty feed).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { anchorLeafHash, leafOf } from '../anchors.ts'
import { MAX_ANCHOR_JOBS } from '../messages.ts'
import type { Hex } from '../messages.ts'
import type { Report } from '../report-format.ts'
import { rewardFactsOf } from '../rewards/facts.ts'
import { FeedError } from './errors.ts'
import { compareFeedLines, encodeFeedLine } from './feed-line.ts'
import type { FeedEngine, FeedLine } from './feed-line.ts'

/** The line of one flagged report, undefined when nothing flags it. Throws MALFORMED_REPORT for a report off its shape. */
function lineOf (report: Report, epoch: number): FeedLine | undefined {
  try {
    const s = report.stats
    const stats: FeedLine['stats'] = { malicious: s.malicious, suspicious: s.suspicious, undetected: s.undetected, harmless: s.harmless, timeout: s.timeout, failure: s.failure, 'type-unsupported': s['type-unsupported'] }
    if (!Number.isSafeInteger(stats.malicious) || !Number.isSafeInteger(stats.suspicious)) throw new TypeError('stats are not counts')
    if (stats.malicious + stats.suspicious <= 0) return undefined
    const job = report.job.job
    const leaf = leafOf(report)
    const facts = rewardFactsOf(report, epoch)
    const engines = Object.entries(report.results).filter(([, e]) => e.attested === true)
      .toSorted(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .map(([engine, e]): FeedEngine => ({ engine, category: e.category, result: e.result, engineVersion: e.engineVersion, engineUpdate: e.engineUpdate, method: e.method }))
    const line: FeedLine = {
      epoch,
      jobId: report.jobId,
      kind: job.kind,
      subject: job.subject,
      sha256: job.sha256,
      sha1: job.sha1,
      md5: job.md5,
      size: job.size,
      fileType: job.fileType,
      firstSeen: facts.firstSeen,
      date: report.date,
      verdict: stats.malicious > 0 ? 'malicious' : 'suspicious',
      stats,
      labels: facts.labels,
      engines,
      submitter: job.submitter,
      leaf: anchorLeafHash(leaf),
      reportDigest: leaf[1]
    }
    // the schema a buyer's parser applies: a report off it must not become a line nobody can read
    encodeFeedLine(line)
    return line
  } catch (err) {
    throw new FeedError('MALFORMED_REPORT', `report ${String((report as Partial<Report> | null)?.jobId)} cannot be read as a final report`, { cause: err })
  }
}

/** The canonical lines of the epoch's anchored reports, in feed order. */
export function epochFeedLines (reports: readonly Report[], epoch: number): FeedLine[] {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new FeedError('BAD_SUBJECT', `epoch ${epoch} is not a non-negative safe integer`)
  if (!Array.isArray(reports)) throw new FeedError('MALFORMED_REPORT', 'the reports are not a list')
  if (reports.length > MAX_ANCHOR_JOBS) throw new FeedError('TOO_MANY_REPORTS', `${reports.length} reports, an epoch anchors at most ${MAX_ANCHOR_JOBS}`)
  const jobs = new Set<string>()
  const first = new Map<string, FeedLine>()
  for (const report of reports) {
    const line = lineOf(report, epoch)
    const jobId = typeof report?.jobId === 'string' ? report.jobId : ''
    if (jobs.has(jobId)) throw new FeedError('DUPLICATE_JOB', `job ${jobId} is listed twice`)
    jobs.add(jobId)
    if (line === undefined) continue
    const item = `${line.kind}:${line.sha256}`
    const kept = first.get(item)
    if (kept === undefined || line.firstSeen < kept.firstSeen || (line.firstSeen === kept.firstSeen && line.jobId < kept.jobId)) first.set(item, line)
  }
  return [...first.values()].toSorted(compareFeedLines)
}

/** The feed's bytes: every line's one spelling followed by "\n". */
export function epochFeed (reports: readonly Report[], epoch: number): Uint8Array {
  return new TextEncoder().encode(epochFeedLines(reports, epoch).map((l) => `${encodeFeedLine(l)}\n`).join(''))
}

/** sha256 of the feed's bytes: what the members' deliveries are bound to (their wraps' binding) and the buyer checks. */
export function feedDigest (feed: Uint8Array): Hex {
  return `0x${bytesToHex(sha256(feed))}`
}
