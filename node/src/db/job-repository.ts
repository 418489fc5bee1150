import { createKeyLock } from './key-lock.ts'
import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import { remember } from './read-cache.ts'
import type { Database } from './database.ts'
import type { Hex, SignedScanJob, Verdict } from '#protocol/messages.ts'
import type { AbortOptions } from '@libp2p/interface'

/** A job's progress on this node; `reported` and `failed` are final (SPEC section 10). */
export const JOB_STATUSES = ['received', 'committed', 'revealed', 'attested', 'reported', 'failed', 'expired'] as const
export type JobStatus = typeof JOB_STATUSES[number]
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['reported', 'failed', 'expired']

export interface JobRecord {
  jobId: Hex
  job: SignedScanJob
  status: JobStatus
  /** this node's commitment salt and the verdict it opens; stored (synced) before the commitment is published, so a restart can still reveal */
  salt?: Hex
  verdict?: Verdict
  /** why the job failed (JobFailure) */
  failure?: string
  /** 1 for a first job, n for its (n-1)th retry; set by the origin */
  attempt?: number
  /** the analysis this job belongs to: the first job's id (the id the client was given) */
  analysisId?: Hex
  /** the job that retried this failed one */
  retriedBy?: Hex
  /** this node, the origin, will publish a retry of this failed job: the analysis is not over */
  retrying?: boolean
  /** the final job whose report engine timeouts left unconfirmed, which this job scans again (set by the origin) */
  rescanOf?: Hex
  /** the job that scanned this final one again */
  rescannedBy?: Hex
  updatedAt: number
}

export type JobPatch = Partial<Pick<JobRecord, 'status' | 'salt' | 'verdict' | 'failure' | 'attempt' | 'analysisId' | 'retriedBy' | 'retrying' | 'rescanOf' | 'rescannedBy'>>

/**
 * Signed scan jobs by job id (the VirusTotal analysis id), with this node's progress on each. Reads go
 * through a write-through cache (read-cache.ts): a job's steps read its record before each update, and
 * every poll of its analysis reads it, each a trip to LevelDB's thread pool otherwise. Returned records
 * are shared and frozen: an update makes a new one.
 */
export class JobRepository {
  readonly #db: Database
  /** add and update read-modify-write a record: one at a time per job */
  readonly #lock = createKeyLock()
  readonly #records = new Map<string, JobRecord>()

  constructor (db: Database) {
    this.#db = db
  }

  async get (jobId: Hex): Promise<JobRecord | undefined> {
    const key = dbKey(PREFIXES.job, jobId)
    const cached = this.#records.get(key)
    if (cached !== undefined) return cached
    const record = await this.#db.get(key) as JobRecord | undefined
    if (record !== undefined) remember(this.#records, key, Object.freeze(record))
    return record
  }

  async #put (record: JobRecord, sync: boolean): Promise<JobRecord> {
    const key = dbKey(PREFIXES.job, record.jobId)
    await this.#db.put(key, record, { sync })
    remember(this.#records, key, Object.freeze(record))
    return record
  }

  /** Stores a newly seen job; a job already stored keeps its status and salt. */
  async add (jobId: Hex, job: SignedScanJob, options: { now: number, sync?: boolean, patch?: JobPatch }): Promise<JobRecord> {
    return this.#lock(jobId.toLowerCase(), async () => {
      const existing = await this.get(jobId)
      if (existing !== undefined) return existing
      return await this.#put({ jobId: jobId.toLowerCase() as Hex, job, status: 'received', ...options.patch, updatedAt: options.now }, options.sync ?? false)
    })
  }

  /** Updates a job's progress; salt writes are always synced (losing it loses the reveal), others when asked. */
  async update (jobId: Hex, patch: JobPatch, options: { now: number, sync?: boolean }): Promise<JobRecord> {
    return this.#lock(jobId.toLowerCase(), async () => {
      const existing = await this.get(jobId)
      if (existing === undefined) throw new RangeError(`unknown job ${jobId}`)
      return await this.#put({ ...existing, ...patch, updatedAt: options.now }, patch.salt !== undefined || options.sync === true)
    })
  }

  async * list (options: AbortOptions & { status?: JobStatus } = {}): AsyncGenerator<JobRecord> {
    for await (const value of this.#db.values(dbRange(PREFIXES.job))) {
      options.signal?.throwIfAborted()
      const record = value as JobRecord
      if (options.status === undefined || record.status === options.status) yield record
    }
  }
}
