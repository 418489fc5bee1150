import { indicatorSha256, scanJobId, signScanJob, validateScanJob } from '../../../protocol/src/index.ts'
import { NotAMemberError } from './errors.ts'
import { checkIndicatorSubmission } from './indicator-submission.ts'
import { buildIndicatorJob, buildScanJob } from './job-factory.ts'
import type { JobBook, LiveJob } from './job-book.ts'
import type { IndicatorSubmission, JobTiming } from './job-factory.ts'
import type { SampleAccess } from './ports.ts'
import type { Hex, ScanJob, SignedScanJob } from '../../../protocol/src/messages.ts'
import type { ValidationContext } from '../../../protocol/src/validation.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { QuorumMetrics } from '../metrics/registry.ts'
import type { Gossip } from '../network/gossip.ts'
import type { Wallet } from 'ethers'
import type { Logger } from 'pino'

export interface JobSubmissionOptions extends JobTiming {
  chainId: number
  registry: Hex
  clockSkewMs: number
  maxSampleBytes: number
}

export interface JobSubmissionComponents {
  operator: Wallet
  follower: RegistryFollower
  gossip: Gossip
  samples: SampleAccess
  book: JobBook
  ctx: ValidationContext
  logger: Logger
  metrics?: QuorumMetrics
  now: () => number
  /** a network parameter in force at `block`, or the fallback */
  parameter: (name: string, block: number, fallback: number) => number
  /** stores the job durably and takes it into the coordinator's book (and this member's scan) */
  publishLocally: (jobId: Hex, signed: SignedScanJob) => Promise<void>
  /** a second submission of an indicator in flight: recorded as a sighting */
  recordSighting: (job: Pick<ScanJob, 'kind' | 'subject' | 'context' | 'submitter' | 'submittedAt'>) => Promise<void>
}

export interface JobSubmission {
  submitFile(source: AsyncIterable<Uint8Array>, meta: { filename?: string }, options?: { signal?: AbortSignal }): Promise<{ analysisId: Hex, sha256: Hex }>
  submitIndicator(input: IndicatorSubmission, options?: { signal?: AbortSignal }): Promise<{ analysisId: Hex, sha256: Hex, subject: string }>
}

/**
 * What a member does with a submission: a file is stored and a job wrapping its key for every
 * member is published; an indicator's signed submission is checked and becomes a job carrying
 * its subject. A submission of something with a job still open joins that job.
 */
export function createJobSubmission (opts: JobSubmissionOptions, c: JobSubmissionComponents): JobSubmission {
  const { operator, follower, gossip, samples, book, ctx, logger, metrics, now, parameter } = c
  const self = operator.address.toLowerCase() as Hex

  /** governance sets the windows on chain; a change applies to jobs whose block is after it */
  function timingAt (block: number): JobTiming {
    return {
      commitWindowMs: parameter('commitWindowMs', block, opts.commitWindowMs),
      revealWindowMs: parameter('revealWindowMs', block, opts.revealWindowMs),
      commitMsPerMiB: opts.commitMsPerMiB
    }
  }

  function memberBlock (): number {
    const block = follower.followedBlock
    if (!follower.isMemberAt(self, block)) throw new NotAMemberError(self, block)
    return block
  }

  /** a live job for the same sample of the same kind, still open: a second submission joins it */
  function inFlight (sha256: Hex, kind: ScanJob['kind']): LiveJob | undefined {
    const live = book.findBySha256(sha256, kind)
    return live != null && live.signed.job.revealDeadline > now() ? live : undefined
  }

  async function publishJob (job: ScanJob): Promise<Hex> {
    const signed = await signScanJob(job, opts.chainId, opts.registry, operator)
    const jobId = scanJobId(job, opts.chainId, opts.registry)
    validateScanJob(signed, ctx)
    await c.publishLocally(jobId, signed)
    metrics?.jobsCreated.inc()
    await gossip.publish('jobs', signed)
    logger.info({ jobId, kind: job.kind, sha256: job.sha256, size: job.size, block: job.membershipBlock }, 'scan job published')
    return jobId
  }

  async function submitFile (source: AsyncIterable<Uint8Array>, meta: { filename?: string }, options: { signal?: AbortSignal } = {}): Promise<{ analysisId: Hex, sha256: Hex }> {
    const block = memberBlock()
    const maxBytes = parameter('maxSampleBytes', block, opts.maxSampleBytes)
    const sample = await samples.ingest(source, { name: meta.filename, maxBytes, signal: options.signal })
    const running = inFlight(sample.sha256, 'file')
    if (running != null) return { analysisId: running.jobId, sha256: sample.sha256 }
    const members = follower.membersAt(block).map((m) => follower.candidate(m)).filter((m) => m != null)
    const jobId = await publishJob(buildScanJob(sample, members, block, self, timingAt(block), now()))
    samples.announce(sample.cid)
    return { analysisId: jobId, sha256: sample.sha256 }
  }

  async function submitIndicator (input: IndicatorSubmission, options: { signal?: AbortSignal } = {}): Promise<{ analysisId: Hex, sha256: Hex, subject: string }> {
    const block = memberBlock()
    const submission = checkIndicatorSubmission(input, { chainId: opts.chainId, registry: opts.registry, now: now(), clockSkewMs: opts.clockSkewMs })
    options.signal?.throwIfAborted()
    const sha256 = indicatorSha256(submission.subject)
    const running = inFlight(sha256, submission.kind)
    if (running != null) {
      // a later submission still counts as a sighting, with its own context and submitter
      await c.recordSighting({ ...running.signed.job, ...submission })
      return { analysisId: running.jobId, sha256, subject: submission.subject }
    }
    const jobId = await publishJob(buildIndicatorJob(submission, block, self, timingAt(block), now()))
    return { analysisId: jobId, sha256, subject: submission.subject }
  }

  return { submitFile, submitIndicator }
}
