import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex, Report } from '../../../protocol/src/messages.ts'

/** Dates are ms since the epoch; 15 digits keep them in order until the year 33658. */
function dateKey (report: Report): string {
  return dbKey(PREFIXES.reportByDate, String(Math.max(0, Math.trunc(report.date))).padStart(15, '0'), report.jobId)
}

/** Final reports by job id, and the latest report (by report date) for each sample sha256. */
export class ReportRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  async get (jobId: Hex): Promise<Report | undefined> {
    return await this.#db.get(dbKey(PREFIXES.report, jobId)) as Report | undefined
  }

  async getLatestBySha256 (sha256: Hex): Promise<Report | undefined> {
    const jobId = await this.latestJobId(sha256)
    return jobId === undefined ? undefined : this.get(jobId)
  }

  /** The job id of the sample's latest report (reports are immutable by job id, so callers may cache them). */
  async latestJobId (sha256: Hex): Promise<Hex | undefined> {
    return await this.#db.get(dbKey(PREFIXES.reportBySha256, sha256)) as Hex | undefined
  }

  /** Stores a report; it becomes the sample's latest unless a stored one is more recent. */
  async put (report: Report, options: { sync?: boolean } = {}): Promise<void> {
    const sha256 = report.job.job.sha256
    const latest = await this.getLatestBySha256(sha256)
    const ops: Array<{ type: 'put', key: string, value: unknown }> = [
      { type: 'put', key: dbKey(PREFIXES.report, report.jobId), value: report },
      { type: 'put', key: dateKey(report), value: report.jobId.toLowerCase() }
    ]
    if (latest === undefined || latest.jobId === report.jobId || latest.date <= report.date) {
      ops.push({ type: 'put', key: dbKey(PREFIXES.reportBySha256, sha256), value: report.jobId.toLowerCase() })
    }
    await this.#db.batch(ops, { sync: options.sync ?? false })
  }

  /**
   * The `limit` most recent reports (by report date), newest first. A report stored again with a
   * later date (more verdicts) has two date entries; it is listed once.
   */
  async recent (limit: number, options: { signal?: AbortSignal } = {}): Promise<Report[]> {
    const out: Report[] = []
    const seen = new Set<string>()
    if (!(limit > 0)) return out
    for await (const jobId of this.#db.values({ ...dbRange(PREFIXES.reportByDate), reverse: true, limit: limit * 2 })) {
      options.signal?.throwIfAborted()
      if (seen.has(jobId as string)) continue
      seen.add(jobId as string)
      const report = await this.get(jobId as Hex)
      if (report !== undefined) out.push(report)
      if (out.length >= limit) break
    }
    return out
  }
}
