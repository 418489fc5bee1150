import type {
  Hex, SampleKind, ScanJob, SignedAttestation, SignedCommitment, SignedComplaint, SignedScanJob, SignedVerdict
} from '#protocol/messages.ts'

/** Why a job ended without a report (SPEC section 10). */
export const JOB_FAILURES = ['COMPLAINTS', 'NO_QUORUM', 'NO_AGREEMENT'] as const
export type JobFailure = typeof JOB_FAILURES[number]

export interface LiveJob {
  jobId: Hex
  signed: SignedScanJob
  receivedAt: number
  commitments: Map<Hex, SignedCommitment>
  /** a member's second, different commitment (it equivocated): held beside the first, never replacing it (SPEC 7) */
  conflicting: Map<Hex, SignedCommitment>
  verdicts: Map<Hex, { msg: SignedVerdict, verdictHash: Hex }>
  attestations: Map<Hex, { msg: SignedAttestation, digest: Hex }>
  complaints: Map<Hex, SignedComplaint>
  /** the Submission digest an indicator job carries (one job per Submission) */
  submission?: Hex
  state: 'open' | 'final' | 'failed'
  failure?: JobFailure
  /** final, and engine timeouts left its report unconfirmed: its Submission may carry one rescan (rescan-check.ts) */
  rescannable?: boolean
  /** the final job this one (or the failed job it retries) scans again under the same Submission */
  rescanOf?: Hex
}

/**
 * The jobs this node is taking part in, with the messages seen for each. Gossip validators read
 * it synchronously, so it lives in memory; repositories hold the durable copy. Bounded: jobs are
 * dropped `retentionMs` after their reveal deadline, and the oldest go first past `maxJobs`.
 */
export class JobBook {
  readonly #jobs = new Map<Hex, LiveJob>()
  readonly #bySubmission = new Map<Hex, Hex>()
  readonly #retentionMs: number
  readonly #maxJobs: number

  constructor (opts: { retentionMs: number, maxJobs: number }) {
    this.#retentionMs = opts.retentionMs
    this.#maxJobs = opts.maxJobs
  }

  get size (): number { return this.#jobs.size }

  add (jobId: Hex, signed: SignedScanJob, now: number, submission?: Hex): LiveJob {
    this.prune(now)
    if (this.#jobs.size >= this.#maxJobs) {
      // evict the oldest: Map iteration is insertion order
      const oldest = this.#jobs.keys().next().value
      if (oldest != null) this.delete(oldest)
    }
    const live: LiveJob = {
      jobId, signed, receivedAt: now, commitments: new Map(), conflicting: new Map(), verdicts: new Map(), attestations: new Map(), complaints: new Map(),
      state: 'open', ...(submission === undefined ? {} : { submission })
    }
    const before = submission === undefined ? undefined : this.#jobs.get(this.#bySubmission.get(submission) ?? '0x')
    const rescanOf = before?.state === 'final' ? before.jobId : before?.rescanOf
    if (rescanOf !== undefined) live.rescanOf = rescanOf
    this.#jobs.set(jobId, live)
    if (submission !== undefined) this.#bySubmission.set(submission, jobId)
    return live
  }

  get (jobId: Hex): LiveJob | undefined {
    return this.#jobs.get(jobId)
  }

  job (jobId: Hex): ScanJob | undefined {
    return this.#jobs.get(jobId)?.signed.job
  }

  /**
   * the job that carries this Submission, unless it failed (a failed job's retry carries it again) or is a
   * final job engine timeouts left unconfirmed and not itself a rescan (its origin's rescan carries it again, once)
   */
  jobForSubmission (digest: Hex): Hex | undefined {
    const jobId = this.#bySubmission.get(digest)
    const live = jobId === undefined ? undefined : this.#jobs.get(jobId)
    if (live?.state === 'failed' || (live?.state === 'final' && live.rescannable === true && live.rescanOf === undefined)) return undefined
    return jobId
  }

  /** the most recent open job for a sample, if any; `kind` apart, since a file's bytes may equal an indicator's subject */
  findOpen (sha256: Hex, kind: SampleKind = 'file'): LiveJob | undefined {
    let found: LiveJob | undefined
    for (const live of this.#jobs.values()) {
      if (live.state === 'open' && live.signed.job.sha256 === sha256 && live.signed.job.kind === kind) found = live
    }
    return found
  }

  /** open jobs whose commit window has not closed: the scans members still have ahead of them */
  scanning (now: number): number {
    let count = 0
    for (const live of this.#jobs.values()) if (live.state === 'open' && live.signed.job.commitDeadline > now) count++
    return count
  }

  /** open jobs this origin created: what admission counts */
  openBy (origin: Hex): number {
    let count = 0
    for (const live of this.#jobs.values()) if (live.state === 'open' && live.signed.job.origin === origin) count++
    return count
  }

  /** the live jobs whose membership block is `block` or later: what a reorg back to `block` must re-check */
  fromBlock (block: number): LiveJob[] {
    return [...this.#jobs.values()].filter((live) => live.signed.job.membershipBlock >= block)
  }

  /** drops a job (a reorg took away its membership); its late messages are then UNKNOWN_JOB */
  delete (jobId: Hex): boolean {
    const live = this.#jobs.get(jobId)
    if (live?.submission !== undefined && this.#bySubmission.get(live.submission) === jobId) this.#bySubmission.delete(live.submission)
    return this.#jobs.delete(jobId)
  }

  prune (now: number): void {
    for (const [id, live] of this.#jobs) {
      if (!this.retains(live.signed.job, now)) this.delete(id)
    }
  }

  /** whether a job is still kept at `now`, `retentionMs` after its reveal deadline (every node keeps finished jobs as long) */
  retains (job: ScanJob, now: number): boolean {
    return job.revealDeadline + this.#retentionMs >= now
  }
}
