import { PREFIXES, dbKey } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex, Report } from '../../../protocol/src/messages.ts'

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
    const jobId = await this.#db.get(dbKey(PREFIXES.reportBySha256, sha256)) as Hex | undefined
    return jobId === undefined ? undefined : this.get(jobId)
  }

  /** Stores a report; it becomes the sample's latest unless a stored one is more recent. */
  async put (report: Report, options: { sync?: boolean } = {}): Promise<void> {
    const sha256 = report.job.job.sha256
    const latest = await this.getLatestBySha256(sha256)
    const ops: Array<{ type: 'put', key: string, value: unknown }> = [
      { type: 'put', key: dbKey(PREFIXES.report, report.jobId), value: report }
    ]
    if (latest === undefined || latest.jobId === report.jobId || latest.date <= report.date) {
      ops.push({ type: 'put', key: dbKey(PREFIXES.reportBySha256, sha256), value: report.jobId.toLowerCase() })
    }
    await this.#db.batch(ops, { sync: options.sync ?? false })
  }
}
