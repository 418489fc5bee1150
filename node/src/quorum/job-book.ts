import type { Hex, SampleKind, ScanJob, SignedCommitment, SignedScanJob, SignedVerdict } from '../../../protocol/src/messages.ts'

export interface LiveJob {
  jobId: Hex
  signed: SignedScanJob
  receivedAt: number
  commitments: Map<Hex, SignedCommitment>
  verdicts: Map<Hex, { msg: SignedVerdict, verdictHash: Hex }>
  /** set once the first report with a quorum has been assembled */
  reported: boolean
}

/**
 * The jobs this node is taking part in, with the commitments and reveals seen for each. Gossip
 * validators read it synchronously, so it lives in memory; repositories hold the durable copy.
 * Bounded: jobs are dropped `retentionMs` after their reveal deadline.
 */
export class JobBook {
  readonly #jobs = new Map<Hex, LiveJob>()
  readonly #retentionMs: number
  readonly #maxJobs: number

  constructor (opts: { retentionMs: number, maxJobs: number }) {
    this.#retentionMs = opts.retentionMs
    this.#maxJobs = opts.maxJobs
  }

  get size (): number { return this.#jobs.size }

  add (jobId: Hex, signed: SignedScanJob, now: number): LiveJob {
    this.prune(now)
    if (this.#jobs.size >= this.#maxJobs) {
      // evict the oldest: Map iteration is insertion order
      const oldest = this.#jobs.keys().next().value
      if (oldest != null) this.#jobs.delete(oldest)
    }
    const live: LiveJob = { jobId, signed, receivedAt: now, commitments: new Map(), verdicts: new Map(), reported: false }
    this.#jobs.set(jobId, live)
    return live
  }

  get (jobId: Hex): LiveJob | undefined {
    return this.#jobs.get(jobId)
  }

  job (jobId: Hex): ScanJob | undefined {
    return this.#jobs.get(jobId)?.signed.job
  }

  /** the most recent live job for a sample, if any; `kind` apart, since a file's bytes may equal an indicator's subject */
  findBySha256 (sha256: Hex, kind: SampleKind = 'file'): LiveJob | undefined {
    let found: LiveJob | undefined
    for (const live of this.#jobs.values()) {
      if (live.signed.job.sha256 === sha256 && live.signed.job.kind === kind) found = live
    }
    return found
  }

  /** the live jobs whose membership block is `block` or later: what a reorg back to `block` must re-check */
  fromBlock (block: number): LiveJob[] {
    return [...this.#jobs.values()].filter((live) => live.signed.job.membershipBlock >= block)
  }

  /** drops a job (a reorg took away its membership); its late commitments and reveals are then UNKNOWN_JOB */
  delete (jobId: Hex): boolean {
    return this.#jobs.delete(jobId)
  }

  prune (now: number): void {
    for (const [id, live] of this.#jobs) {
      if (live.signed.job.revealDeadline + this.#retentionMs < now) this.#jobs.delete(id)
    }
  }
}
