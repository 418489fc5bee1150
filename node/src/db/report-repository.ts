import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex, Report } from '../../../protocol/src/messages.ts'

/** Dates are ms since the epoch; 15 digits keep them in order until the year 33658. */
function dateKey (report: Report): string {
  return dbKey(PREFIXES.reportByDate, String(Math.max(0, Math.trunc(report.date))).padStart(15, '0'), report.jobId)
}

/**
 * Final reports by job id, and the latest report (by report date) for each sample sha256. The
 * latest-report index is cached write-through (this process is the database's only writer).
 */
export class ReportRepository {
  readonly #db: Database
  readonly #latest = new Map<string, Hex>()

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
    const key = dbKey(PREFIXES.reportBySha256, sha256)
    const cached = this.#latest.get(key)
    if (cached !== undefined) return cached
    const jobId = await this.#db.get(key) as Hex | undefined
    if (jobId !== undefined) this.#remember(key, jobId)
    return jobId
  }

  #remember (key: string, jobId: Hex): void {
    this.#latest.delete(key)
    if (this.#latest.size >= 4096) this.#latest.delete(this.#latest.keys().next().value as string)
    this.#latest.set(key, jobId)
  }

  /** Stores a report; it becomes the sample's latest unless a stored one is more recent. */
  async put (report: Report, options: { sync?: boolean } = {}): Promise<void> {
    const sha256 = report.job.job.sha256
    const latest = await this.getLatestBySha256(sha256)
    const ops: Array<{ type: 'put', key: string, value: unknown }> = [
      { type: 'put', key: dbKey(PREFIXES.report, report.jobId), value: report },
      { type: 'put', key: dateKey(report), value: report.jobId.toLowerCase() }
    ]
    const latestKey = dbKey(PREFIXES.reportBySha256, sha256)
    const becomesLatest = latest === undefined || latest.jobId === report.jobId || latest.date <= report.date
    if (becomesLatest) ops.push({ type: 'put', key: latestKey, value: report.jobId.toLowerCase() })
    this.#latest.delete(latestKey)
    await this.#db.batch(ops, { sync: options.sync ?? false })
    if (becomesLatest) this.#remember(latestKey, report.jobId.toLowerCase() as Hex)
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
