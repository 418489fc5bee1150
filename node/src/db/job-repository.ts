import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex, SignedScanJob } from '../../../protocol/src/messages.ts'

export const JOB_STATUSES = ['received', 'committed', 'revealed', 'reported', 'expired'] as const
export type JobStatus = typeof JOB_STATUSES[number]

export interface JobRecord {
  jobId: Hex
  job: SignedScanJob
  status: JobStatus
  /** this node's commitment salt; stored (synced) before the commitment is published, so a restart can still reveal */
  salt?: Hex
  updatedAt: number
}

/** Signed scan jobs by job id (the VirusTotal analysis id), with this node's progress on each. */
export class JobRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  async get (jobId: Hex): Promise<JobRecord | undefined> {
    return await this.#db.get(dbKey(PREFIXES.job, jobId)) as JobRecord | undefined
  }

  /** Stores a newly seen job; a job already stored keeps its status and salt. */
  async add (jobId: Hex, job: SignedScanJob, options: { now: number, sync?: boolean }): Promise<JobRecord> {
    const existing = await this.get(jobId)
    if (existing !== undefined) return existing
    const record: JobRecord = { jobId: jobId.toLowerCase() as Hex, job, status: 'received', updatedAt: options.now }
    await this.#db.put(dbKey(PREFIXES.job, jobId), record, { sync: options.sync ?? false })
    return record
  }

  /** Updates status and/or salt; salt writes are always synced (losing it loses the reveal). */
  async update (jobId: Hex, patch: { status?: JobStatus, salt?: Hex }, options: { now: number }): Promise<JobRecord> {
    const existing = await this.get(jobId)
    if (existing === undefined) throw new RangeError(`unknown job ${jobId}`)
    const record: JobRecord = { ...existing, ...patch, updatedAt: options.now }
    await this.#db.put(dbKey(PREFIXES.job, jobId), record, { sync: patch.salt !== undefined })
    return record
  }

  async * list (options: { status?: JobStatus, signal?: AbortSignal } = {}): AsyncGenerator<JobRecord> {
    for await (const value of this.#db.values(dbRange(PREFIXES.job))) {
      options.signal?.throwIfAborted()
      const record = value as JobRecord
      if (options.status === undefined || record.status === options.status) yield record
    }
  }
}
