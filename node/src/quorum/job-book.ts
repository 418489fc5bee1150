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
 * What a job costs the book does not grow with what it holds (a node at 20 jobs/s holds 10,000 after
 * ten minutes): jobs are dropped from the oldest on, stopping at the first still kept (one with a
 * later deadline than those after it keeps them a little longer, never shorter), a sample's jobs and
 * the jobs still open are indexed, and what closed leaves the open index as it is next met.
 */
export class JobBook {
  readonly #jobs = new Map<Hex, LiveJob>()
  readonly #bySubmission = new Map<Hex, Hex>()
  /** each sample's jobs, oldest first, by `${kind}/${sha256}` */
  readonly #bySample = new Map<string, LiveJob[]>()
  /** jobs added open whose commit window was not yet seen closed: a superset of those `scanning` counts */
  readonly #scanning = new Set<LiveJob>()
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
    this.delete(jobId)
    this.#jobs.set(jobId, live)
    if (submission !== undefined) this.#bySubmission.set(submission, jobId)
    const sample = sampleKey(signed.job.kind, signed.job.sha256)
    const jobs = this.#bySample.get(sample)
    if (jobs === undefined) this.#bySample.set(sample, [live])
    else jobs.push(live)
    this.#scanning.add(live)
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
    const jobs = this.#bySample.get(sampleKey(kind, sha256)) ?? []
    for (let i = jobs.length - 1; i >= 0; i--) if ((jobs[i] as LiveJob).state === 'open') return jobs[i]
    return undefined
  }

  /** open jobs whose commit window has not closed: the scans members still have ahead of them */
  scanning (now: number): number {
    let count = 0
    for (const live of this.#scanning) {
      if (live.state === 'open' && live.signed.job.commitDeadline > now) count++
      // a job closed or past its commit window is never scanning again (the clock only moves on)
      else this.#scanning.delete(live)
    }
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
    if (live === undefined) return false
    if (live.submission !== undefined && this.#bySubmission.get(live.submission) === jobId) this.#bySubmission.delete(live.submission)
    const sample = sampleKey(live.signed.job.kind, live.signed.job.sha256)
    const jobs = (this.#bySample.get(sample) ?? []).filter((j) => j !== live)
    if (jobs.length === 0) this.#bySample.delete(sample)
    else this.#bySample.set(sample, jobs)
    this.#scanning.delete(live)
    return this.#jobs.delete(jobId)
  }

  /** drops the jobs kept past retention, oldest first, up to the first one still kept */
  prune (now: number): void {
    for (const [id, live] of this.#jobs) {
      if (this.retains(live.signed.job, now)) return
      this.delete(id)
    }
  }

  /** whether a job is still kept at `now`, `retentionMs` after its reveal deadline (every node keeps finished jobs as long) */
  retains (job: ScanJob, now: number): boolean {
    return job.revealDeadline + this.#retentionMs >= now
  }
}

const sampleKey = (kind: SampleKind, sha256: Hex): string => `${kind}/${sha256}`
