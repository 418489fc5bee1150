import { checkFileSubmission, indicatorSha256, scanJobId, signReceipt, signScanJob, validateScanJob } from '#protocol/index.ts'
import type { FileSubmission, Receipt } from '#protocol/index.ts'
import { createKeyLock } from '../db/key-lock.ts'
import { createAdmission } from './admission.ts'
import { NetworkBusyError, NotAMemberError } from './errors.ts'
import { checkIndicatorSubmission, MAX_SUBMISSION_AGE_MS } from './indicator-submission.ts'
import { buildIndicatorJob, buildScanJob, jobWindows } from './job-factory.ts'
import { boundsAt } from './validation-context.ts'
import type { JobBook, JobFailure, LiveJob } from './job-book.ts'
import type { IndicatorSubmission, JobSample, JobTiming, JobWindows } from './job-factory.ts'
import type { SampleAccess } from './ports.ts'
import type { Hex, ScanJob, SignedScanJob } from '#protocol/messages.ts'
import type { ValidationContext } from '#protocol/validation.ts'
import type { JobPatch } from '../db/job-repository.ts'
import type { Repositories } from '../db/repositories.ts'
import type { MemberInfo } from '../chain/membership-history.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { QuorumMetrics } from '../metrics/registry.ts'
import type { Gossip } from '../network/gossip.ts'
import type { Wallet } from 'ethers'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

/** jobs in all for one analysis: the first and its retries (SPEC section 10) */
export const MAX_JOB_ATTEMPTS = 3
/** how long a submission waits for an admission slot before the API answers 503 */
const ADMISSION_WAIT_MS = 60_000

export interface JobSubmissionOptions extends JobTiming {
  chainId: number
  registry: Hex
  maxSampleBytes: number
  maxActiveJobs: number
}

export interface JobSubmissionComponents {
  operator: Wallet
  follower: RegistryFollower
  gossip: Gossip
  samples: SampleAccess
  book: JobBook
  ctx: ValidationContext
  repos: Pick<Repositories, 'jobs' | 'samples' | 'indicators' | 'receipts'>
  logger: Logger
  metrics?: QuorumMetrics
  now: () => number
  /** stores the job durably and takes it into the coordinator's book (and this member's scan) */
  publishLocally: (jobId: Hex, signed: SignedScanJob, submission?: Hex) => Promise<LiveJob>
  /** an indicator submission made a new job (not one joining a job in flight, not a retry) */
  onIndicatorJob?: (submission: IndicatorSubmission) => void
}

/**
 * `background`: a submission the node makes by itself (a URL's domain): it takes an admission slot
 * only when one is free at once and half the slots stay free for submissions, else NetworkBusyError
 */
export interface IndicatorSubmitOptions extends AbortOptions {
  background?: boolean
}

/** `submission`: a wallet's signed Submission of the file (unchecked; the node checks it) */
export interface FileMeta {
  filename?: string
  submission?: FileSubmission
}

/** `receipt`: the node's signed Receipt, when a wallet signed the submission and the job is new */
export interface SubmittedFile {
  analysisId: Hex
  sha256: Hex
  receipt?: Receipt & { signature: Hex }
}

export interface JobSubmission {
  /** `onStored`: called once the sample is stored, before the wait for an admission slot */
  submitFile(source: AsyncIterable<Uint8Array>, meta: FileMeta, options?: AbortOptions & { onStored?: () => void }): Promise<SubmittedFile>
  submitIndicator(input: IndicatorSubmission, options?: IndicatorSubmitOptions): Promise<{ analysisId: Hex, sha256: Hex, subject: string }>
  /** the origin's answer to a failed job: a new job for the same sample, within MAX_JOB_ATTEMPTS; false when none is published */
  retry(failed: LiveJob, reason: JobFailure): Promise<boolean>
  /**
   * the origin's answer to a final report of its own that engine timeouts left unconfirmed (rescan-check.ts): one
   * new job for the same sample and wallet with doubled windows, waiting for an admission slot; a rescan is not
   * rescanned. Resolves with the new job's id, or undefined when none is published.
   */
  rescan(final: LiveJob, options?: AbortOptions): Promise<Hex | undefined>
  /** a job of this node's ended (final or failed): its admission slot is free, unless its retry took it over */
  ended(jobId: Hex): void
  /** counts this node's open jobs (after a restart) against admission */
  start(): Promise<void>
}

/**
 * What a member does with a submission: a file is stored and a job wrapping its key for every
 * member is published; an indicator's signed submission is checked and becomes a job carrying its
 * subject. One job per (kind, sha256) is open at a time, and at most `maxActiveJobs` of this node's
 * own: a second submission joins the open job, a further one waits for a slot.
 */
export function createJobSubmission (opts: JobSubmissionOptions, c: JobSubmissionComponents): JobSubmission {
  const { operator, follower, gossip, samples, book, ctx, logger, metrics, now, repos } = c
  const self = operator.address.toLowerCase() as Hex
  const admission = createAdmission(opts.maxActiveJobs)
  const perSample = createKeyLock()
  /** this node's own open jobs, each holding an admission slot until it ends */
  const holding = new Set<Hex>()

  /** a network parameter in force at `block`, or the configured fallback when the chain has none */
  function parameter (name: string, block: number, fallback: number): number {
    const value = follower.parameterAt(name, block)
    return value == null || value === 0n || value > BigInt(Number.MAX_SAFE_INTEGER) ? fallback : Number(value)
  }

  /** windows scaled to the work and the network's backlog, doubled per retry, clamped into the chain's bounds at `block` */
  function windowsAt (block: number, size: number, attempt: number): JobWindows {
    const timing = {
      commitWindowMs: parameter('commitWindowMs', block, opts.commitWindowMs),
      revealWindowMs: parameter('revealWindowMs', block, opts.revealWindowMs),
      commitMsPerMiB: opts.commitMsPerMiB,
      commitMsPerQueuedJob: opts.commitMsPerQueuedJob
    }
    return jobWindows(timing, { size, queued: book.scanning(now()), attempt }, boundsAt(follower, block))
  }

  /** the members at `block` with their X25519 keys, to wrap a file's key for */
  function membersInfoAt (block: number): MemberInfo[] {
    return follower.membersAt(block).map((m) => follower.candidate(m)).filter((m) => m != null)
  }

  function memberBlock (): number {
    const block = follower.followedBlock
    if (!follower.isMemberAt(self, block)) throw new NotAMemberError(self, block)
    return block
  }


  /**
   * A small file's blocks, base64, to publish beside its job so members need not fetch them; a read that
   * fails leaves the job without them (members fetch by bitswap, as for a large file).
   */
  async function inlineBlocks (cid: string): Promise<string[] | undefined> {
    try {
      return (await samples.inlineBlocks?.(cid, {}))?.map((block) => Buffer.from(block).toString('base64'))
    } catch (err) {
      logger.warn({ err, cid }, 'reading a sample\'s blocks to publish inline failed; members will fetch them')
      return undefined
    }
  }

  /** publishes a job in the admission slot the caller took; the slot is given back if the job never exists */
  async function publishJob (job: ScanJob, patch: JobPatch): Promise<Hex> {
    const jobId = scanJobId(job, opts.chainId, opts.registry)
    let signed: SignedScanJob
    let submission: Hex | undefined
    try {
      signed = await signScanJob(job, opts.chainId, opts.registry, operator)
      submission = validateScanJob(signed, ctx).submission
      await repos.jobs.add(jobId, signed, { now: now(), sync: true, patch: { attempt: 1, analysisId: jobId, ...patch } })
    } catch (err) {
      admission.release()
      throw err
    }
    holding.add(jobId)
    await c.publishLocally(jobId, signed, submission)
    metrics?.jobsCreated.inc()
    const blocks = job.kind === 'file' ? await inlineBlocks(job.cid) : undefined
    await gossip.publish('jobs', blocks === undefined ? signed : { ...signed, blocks })
    logger.info({ jobId, kind: job.kind, sha256: job.sha256, size: job.size, block: job.membershipBlock, attempt: patch.attempt ?? 1 }, 'scan job published')
    return jobId
  }

  /** the open job for this sample, or a new one once a slot is free; one at a time per sample */
  async function jobFor (kind: ScanJob['kind'], sha256: Hex, build: (block: number) => ScanJob, options: IndicatorSubmitOptions): Promise<{ jobId: Hex, joined: boolean }> {
    return await perSample(`${kind}/${sha256}`, async () => {
      const open = book.findOpen(sha256, kind)
      if (open != null) return { jobId: open.jobId, joined: true }
      if (options.background === true) {
        if (!admission.tryAcquire(Math.floor(opts.maxActiveJobs / 2))) throw new NetworkBusyError(admission.open)
        return { jobId: await publishJob(buildOrRelease(build), {}), joined: false }
      }
      const signal = AbortSignal.any([...(options.signal === undefined ? [] : [options.signal]), AbortSignal.timeout(ADMISSION_WAIT_MS)])
      metrics?.jobsQueued.inc()
      try {
        await admission.acquire({ signal })
      } finally {
        metrics?.jobsQueued.dec()
      }
      return { jobId: await publishJob(buildOrRelease(build), {}), joined: false }
    })
  }

  /** the job at the followed block, or the admission slot taken for it given back */
  function buildOrRelease (build: (block: number) => ScanJob): ScanJob {
    try {
      return build(memberBlock())
    } catch (err) {
      admission.release()
      throw err
    }
  }

  async function submitFile (source: AsyncIterable<Uint8Array>, meta: FileMeta, options: AbortOptions & { onStored?: () => void } = {}): Promise<SubmittedFile> {
    const block = memberBlock()
    const maxBytes = parameter('maxSampleBytes', block, opts.maxSampleBytes)
    const check = { chainId: opts.chainId, registry: opts.registry, now: now(), clockSkewMs: boundsAt(follower, block).clockSkewMs, maxAgeMs: MAX_SUBMISSION_AGE_MS }
    // everything but the bytes is checked before they are read, so a bad signature costs no storage
    const signed = meta.submission === undefined ? undefined : checkFileSubmission(meta.submission, meta.submission.sha256, check)
    const sample = await samples.ingest(source, { name: meta.filename, maxBytes, signal: options.signal })
    options.onStored?.()
    if (signed !== undefined && signed.sha256 !== sample.sha256) checkFileSubmission(signed, sample.sha256, check)
    const by = signed === undefined ? undefined : { context: signed.context, submitter: signed.submitter, submittedAt: signed.submittedAt, submitterSignature: signed.signature }
    const { jobId, joined } = await jobFor('file', sample.sha256, (at) => buildScanJob(sample, membersInfoAt(at), at, self, windowsAt(at, sample.size, 1), now(), by), options)
    samples.announce(sample.cid)
    const analysisId = await analysisOf(jobId)
    // a receipt only for the job that names this wallet: a joined job names the first submitter
    if (signed === undefined || joined) return { analysisId, sha256: sample.sha256 }
    const receipt: Receipt = { sha256: sample.sha256, submitter: signed.submitter, submittedAt: signed.submittedAt, receivedAt: now(), jobId }
    const stored = { ...receipt, signature: await signReceipt(receipt, opts.chainId, opts.registry, operator) }
    await repos.receipts.put(stored)
    return { analysisId, sha256: sample.sha256, receipt: stored }
  }

  async function submitIndicator (input: IndicatorSubmission, options: IndicatorSubmitOptions = {}): Promise<{ analysisId: Hex, sha256: Hex, subject: string }> {
    const block = memberBlock()
    const submission = checkIndicatorSubmission(input, { chainId: opts.chainId, registry: opts.registry, now: now(), clockSkewMs: boundsAt(follower, block).clockSkewMs })
    options.signal?.throwIfAborted()
    const sha256 = indicatorSha256(submission.subject)
    const { jobId, joined } = await jobFor(submission.kind, sha256, (at) => buildIndicatorJob(submission, at, self, windowsAt(at, 0, 1), now()), options)
    // a later submission still counts as a sighting, with its own context and submitter
    if (joined) await repos.indicators.recordSubmission({ ...(book.job(jobId) as ScanJob), ...submission }, { now: now() })
    else c.onIndicatorJob?.(submission)
    return { analysisId: await analysisOf(jobId), sha256, subject: submission.subject }
  }

  async function analysisOf (jobId: Hex): Promise<Hex> {
    return (await repos.jobs.get(jobId))?.analysisId ?? jobId
  }

  /** a new job for the sample of `old` (the same wallet's submission: its signature covers the sample, not the job); undefined when the sample is gone */
  async function rebuild (old: ScanJob, attempt: number): Promise<ScanJob | undefined> {
    const block = follower.followedBlock
    if (old.kind !== 'file') return buildIndicatorJob({ ...old, kind: old.kind }, block, self, windowsAt(block, 0, attempt), now())
    const sample = await repos.samples.get(old.sha256)
    if (sample === undefined) return undefined
    const jobSample: JobSample = { ...sample, contentKey: Buffer.from(sample.contentKey.slice(2), 'hex') }
    return buildScanJob(jobSample, membersInfoAt(block), block, self, windowsAt(block, sample.size, attempt), now(), old)
  }

  async function retry (failed: LiveJob, reason: JobFailure): Promise<boolean> {
    const record = await repos.jobs.get(failed.jobId)
    const attempt = (record?.attempt ?? 1) + 1
    if (reason === 'COMPLAINTS' || attempt > MAX_JOB_ATTEMPTS || record?.retriedBy !== undefined || !follower.isMemberAt(self, follower.followedBlock)) return false
    const job = await rebuild(failed.signed.job, attempt)
    if (job === undefined) return false
    // the failed job's slot passes to its retry (a job ended on restart held none yet)
    if (!holding.delete(failed.jobId)) admission.take()
    const jobId = await publishJob(job, { attempt, analysisId: record?.analysisId ?? failed.jobId })
    await repos.jobs.update(failed.jobId, { retriedBy: jobId, retrying: false }, { now: now(), sync: true })
    metrics?.jobsRetried.inc()
    logger.info({ failed: failed.jobId, jobId, reason, attempt }, 'failed job retried')
    return true
  }

  async function rescan (final: LiveJob, options: AbortOptions = {}): Promise<Hex | undefined> {
    const { jobId } = final
    const old = final.signed.job
    const record = await repos.jobs.get(jobId)
    if (final.rescanOf !== undefined || record === undefined || record.rescannedBy !== undefined) return undefined
    return await perSample(`${old.kind}/${old.sha256}`, async () => {
      // a job for the sample in flight (a later submission) is the rescan already
      if (book.findOpen(old.sha256, old.kind) != null || !follower.isMemberAt(self, follower.followedBlock)) return undefined
      try {
        await admission.acquire(options)
      } catch (err) {
        // the node is stopping: a rescan owed is not remembered across a restart
        if (options.signal?.aborted === true) return undefined
        throw err
      }
      // the doubled windows of a second attempt: the engines the budget cut short get twice the time
      const job = await rebuild(old, 2).catch((err: unknown) => { admission.release(); throw err })
      if (job === undefined) {
        admission.release()
        return undefined
      }
      const rescanId = await publishJob(job, { attempt: 2, rescanOf: jobId })
      await repos.jobs.update(jobId, { rescannedBy: rescanId }, { now: now(), sync: true })
      logger.info({ jobId, rescan: rescanId, sha256: old.sha256 }, 'report left unconfirmed by engine timeouts: rescanned')
      return rescanId
    })
  }

  return {
    submitFile,
    submitIndicator,
    retry,
    rescan,
    ended (jobId) {
      if (holding.delete(jobId)) admission.release()
    },
    async start () {
      // jobs reloaded after a restart hold their slots like new ones
      for (const live of book.fromBlock(0)) {
        if (live.state !== 'open' || live.signed.job.origin !== self || holding.has(live.jobId)) continue
        holding.add(live.jobId)
        admission.take()
      }
    }
  }
}
