import { createKeyLock } from './key-lock.ts'
import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
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

/** Signed scan jobs by job id (the VirusTotal analysis id), with this node's progress on each. */
export class JobRepository {
  readonly #db: Database
  /** add and update read-modify-write a record: one at a time per job */
  readonly #lock = createKeyLock()

  constructor (db: Database) {
    this.#db = db
  }

  async get (jobId: Hex): Promise<JobRecord | undefined> {
    return await this.#db.get(dbKey(PREFIXES.job, jobId)) as JobRecord | undefined
  }

  /** Stores a newly seen job; a job already stored keeps its status and salt. */
  async add (jobId: Hex, job: SignedScanJob, options: { now: number, sync?: boolean, patch?: JobPatch }): Promise<JobRecord> {
    return this.#lock(jobId.toLowerCase(), async () => {
      const existing = await this.get(jobId)
      if (existing !== undefined) return existing
      const record: JobRecord = { jobId: jobId.toLowerCase() as Hex, job, status: 'received', ...options.patch, updatedAt: options.now }
      await this.#db.put(dbKey(PREFIXES.job, jobId), record, { sync: options.sync ?? false })
      return record
    })
  }

  /** Updates a job's progress; salt writes are always synced (losing it loses the reveal), others when asked. */
  async update (jobId: Hex, patch: JobPatch, options: { now: number, sync?: boolean }): Promise<JobRecord> {
    return this.#lock(jobId.toLowerCase(), async () => {
      const existing = await this.get(jobId)
      if (existing === undefined) throw new RangeError(`unknown job ${jobId}`)
      const record: JobRecord = { ...existing, ...patch, updatedAt: options.now }
      await this.#db.put(dbKey(PREFIXES.job, jobId), record, { sync: patch.salt !== undefined || options.sync === true })
      return record
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
