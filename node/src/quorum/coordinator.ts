import { attestAt, deepFreeze, faultDivisorFrom, GossipValidationError, indicatorSha256, jobEndsAt, revealsComplete, validateScanJob } from '#protocol/index.ts'
import { createDerivedIndicators } from './derived-indicators.ts'
import { createJobSubmission } from './job-submission.ts'
import { JOB_FAILURES, JobBook } from './job-book.ts'
import { needsRescan } from './rescan-check.ts'
import { createJobDeferral } from './job-deferral.ts'
import { createJobWaiters } from './job-waiters.ts'
import { resumeJobs } from './job-recovery.ts'
import { createMessageIntake } from './message-intake.ts'
import { createEvidenceGossip } from './evidence-gossip.ts'
import { attest, reveal, scanAndCommit } from './member-steps.ts'
import { singleFlight } from './single-flight.ts'
import { assembleReport, complaintsDecide, failureOf } from './report-assembly.ts'
import { boundsAt, createValidationContext, registrationsAt } from './validation-context.ts'
import type { IndicatorSubmission } from './job-factory.ts'
import type { QuorumOptions } from './quorum-options.ts'
import type { FileMeta, IndicatorSubmitOptions, SubmittedFile } from './job-submission.ts'
import type { JobFailure, LiveJob } from './job-book.ts'
import type { MemberStepsContext } from './member-steps.ts'
import type { SampleAccess } from './ports.ts'
import type { BlockView } from './report-assembly.ts'
import type { JobStatus } from '../db/job-repository.ts'
import type { Repositories } from '../db/repositories.ts'
import type { Hex, SignedScanJob } from '#protocol/messages.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { QuorumMetrics } from '../metrics/registry.ts'
import type { Gossip } from '../network/gossip.ts'
import type { Engine } from '../scan/engine.ts'
import type { Wallet } from 'ethers'
import type { Logger } from 'pino'
import type { EvidenceProver } from '../slashing/evidence-prover.ts'
import type { AbortOptions } from '@libp2p/interface'

/** the quorum options of the node's config (quorum-options.ts), and what the node adds */
export interface CoordinatorOptions extends QuorumOptions {
  chainId: number
  registry: Hex
  maxSampleBytes: number
  /** how long finished jobs stay in memory for late messages and status queries */
  retentionMs: number
  /** most domains and IPs of submitted URLs waiting for a spare slot (derived-indicators.ts) */
  maxDerivedQueued?: number
}

export interface CoordinatorComponents {
  operator: Wallet
  x25519SecretKey: Uint8Array
  follower: RegistryFollower
  gossip: Gossip
  samples: SampleAccess
  engines: Engine[]
  repositories: Pick<Repositories, 'samples' | 'jobs' | 'commitments' | 'verdicts' | 'attestations' | 'complaints' | 'reports' | 'evidence' | 'indicators' | 'receipts'>
  logger: Logger
  metrics?: QuorumMetrics
  now?: () => number
  /** proves the equivocation this node holds evidence of on chain (SPEC 16), where the deployment has the contract */
  evidenceProver?: Pick<EvidenceProver, 'offer'>
}

export interface Coordinator {
  start(): Promise<void>
  stop(): Promise<void>
  /** `meta.submission`: a wallet's signed Submission (FileSubmissionError when it is not one); a receipt when it made the job */
  submitFile(source: AsyncIterable<Uint8Array>, meta: FileMeta, options?: AbortOptions & { onStored?: () => void }): Promise<SubmittedFile>
  /** a signed indicator (SubmissionError when it is not one); the job in flight for it when there is one */
  submitIndicator(input: IndicatorSubmission, options?: IndicatorSubmitOptions): Promise<{ analysisId: Hex, sha256: Hex, subject: string }>
  liveJob(jobId: Hex): LiveJob | undefined
  /** the live jobs: the report auditor drops those a reorg took the membership from */
  readonly jobs: JobBook
}

/**
 * The quorum protocol (v2) on one supernode: creates jobs for uploads it takes, scans the jobs of
 * the member sets it belongs to within the scan budget, commits, reveals, attests, and assembles the
 * final report once a quorum attested to one content; a job without one by its end fails explicitly
 * and its origin retries it.
 */
export function createCoordinator (opts: CoordinatorOptions, c: CoordinatorComponents): Coordinator {
  const { operator, follower, gossip, repositories: repos, logger, metrics } = c
  const now = c.now ?? Date.now
  const self = operator.address.toLowerCase() as Hex
  const book = new JobBook({ retentionMs: opts.retentionMs, maxJobs: 10_000 })
  const ctx = createValidationContext(opts, follower, book, now)
  const timers = new Set<NodeJS.Timeout>()
  const controller = new AbortController()

  function later (at: number, fn: () => Promise<void>): void {
    // a job accepted just before stop reaches here once its write lands: stop already cleared the timers
    if (controller.signal.aborted) return
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn().catch((err) => { logger.error({ err }, 'scheduled quorum step failed') })
    }, Math.min(2 ** 31 - 1, Math.max(0, at - now())))
    timers.add(timer)
  }

  function persist (what: string, p: Promise<unknown>): void {
    p.catch((err) => { logger.error({ err, what }, 'persisting quorum state failed') })
  }

  function viewAt (block: number): BlockView {
    return {
      members: follower.membersAt(block),
      registrations: registrationsAt(follower, block),
      faultDivisor: faultDivisorFrom(follower.parameterAt('quorumFaultDivisor', block)),
      chainId: opts.chainId,
      registry: opts.registry
    }
  }

  const isMember = (live: LiveJob): boolean => follower.isMemberAt(self, live.signed.job.membershipBlock)

  const steps: MemberStepsContext = {
    self,
    x25519SecretKey: c.x25519SecretKey,
    samples: c.samples,
    chainId: opts.chainId,
    registry: opts.registry,
    operator,
    engines: c.engines,
    repos,
    logger,
    ...(metrics === undefined ? {} : { metrics }),
    now,
    signal: controller.signal,
    enginesAt: (member, block) => follower.enginesAt(member, block),
    emit: async (msg) => {
      intake.apply(msg)
      const topic = msg.type === 'commitment' ? 'commits' : msg.type === 'verdict' ? 'verdicts' : msg.type === 'attestation' ? 'attestations' : 'complaints'
      await gossip.publish(topic, msg)
    }
  }

  // the early path and the deadline timer may both ask for a job's reveal: it runs once at a time (single-flight.ts)
  const revealOnce = singleFlight(async (jobId: Hex) => { await reveal(jobId, steps) })

  /** takes a validated job: durable first, then the end timer for everyone and the scan for members */
  async function acceptJob (msg: SignedScanJob, jobId: Hex, submission?: Hex): Promise<LiveJob> {
    const known = book.get(jobId)
    const live = known ?? book.add(jobId, msg, now(), submission)
    // messages that outran this job, waiting in gossip validation, are validated again
    if (known == null) waiters.notify(jobId)
    await repos.jobs.add(jobId, msg, { now: now() })
    // every node that sees an indicator job can answer lookups of it, member or not; awaited, so the origin's
    // client that submitted it finds it at once (a failure is logged: the job itself is already durable)
    if (msg.job.kind !== 'file') {
      await repos.indicators.recordSubmission(msg.job, { now: now() }).catch((err: unknown) => { logger.error({ err, what: 'indicator' }, 'persisting quorum state failed') })
    }
    schedule(live, 'received')
    return live
  }

  /** the timers a job needs from `status` on; used for new jobs and for jobs reloaded after a restart */
  function schedule (live: LiveJob, status: JobStatus): void {
    const { job } = live.signed
    const bounds = boundsAt(follower, job.membershipBlock)
    later(jobEndsAt(job, bounds), async () => { end(live) })
    if (!isMember(live)) return
    if (status === 'received' && now() < job.commitDeadline) {
      scanAndCommit(live, bounds, steps)
        .then((committed) => {
          if (!committed) return
          later(job.commitDeadline + bounds.clockSkewMs, async () => { await revealOnce(live.jobId) })
          if (allCommitted(live)) void revealEarly(live)
        })
        .catch((err) => { logger.warn({ err, jobId: live.jobId }, 'scan job failed') })
    } else if (status === 'committed') {
      later(job.commitDeadline + bounds.clockSkewMs, async () => { await revealOnce(live.jobId) })
    }
    if (status === 'attested') return
    // once the commit window has closed, checked without waiting for one more reveal: a node restarted holding every
    // reveal gets none (nor one that took the last reveal at the commit deadline itself)
    later(job.commitDeadline + bounds.clockSkewMs, async () => { await attestIfComplete(live) })
    later(attestAt(job, bounds), async () => { await attestOnce(live) })
  }

  const allCommitted = (live: LiveJob): boolean => live.commitments.size >= follower.membersAt(live.signed.job.membershipBlock).length

  /** every member, or every member that committed in time, revealed: nothing more can arrive, attest now (SPEC section 7) */
  async function attestIfComplete (live: LiveJob): Promise<void> {
    const { membershipBlock, commitDeadline } = live.signed.job
    const held = { memberCount: follower.membersAt(membershipBlock).length, committed: live.commitments.keys(), revealed: live.verdicts, commitDeadline, now: now() }
    if (revealsComplete(held)) await attestOnce(live)
  }

  async function revealEarly (live: LiveJob): Promise<void> {
    await revealOnce(live.jobId).catch((err) => { logger.warn({ err, jobId: live.jobId }, 'early reveal failed') })
  }

  async function attestOnce (live: LiveJob): Promise<void> {
    if (live.state !== 'open' || !isMember(live) || live.attestations.has(self)) return
    await attest(live, steps)
  }

  const evidence = createEvidenceGossip({ gossip, ctx, repos, logger, now, onReceived: (e) => { intake.conflicting(e) }, onKept: (e) => { c.evidenceProver?.offer(e) } })
  const waiters = createJobWaiters()
  const intake = createMessageIntake({
    ctx, book, waiters, follower, repos, logger,
    evidence: (e) => { evidence.keep(e) },
    on: {
      // every member committed: nothing can change any more, reveal now instead of at the deadline
      commitment: (live) => { if (allCommitted(live) && isMember(live)) void revealEarly(live) },
      verdict: (live) => {
        // gossip does not order publishers: the attestations naming this reveal may have come first
        tryFinalize(live)
        attestIfComplete(live).catch((err) => { logger.warn({ err, jobId: live.jobId }, 'early attestation failed') })
      },
      attestation: (live) => { tryFinalize(live) },
      complaint: (live) => {
        const view = viewAt(live.signed.job.membershipBlock)
        if (live.state === 'open' && complaintsDecide(live, view.members.length, view.faultDivisor)) fail(live, 'COMPLAINTS')
      }
    }
  })

  /** `wasFinal`: a job final before a restart, reloaded for its rescan (job-recovery.ts): not counted again */
  function tryFinalize (live: LiveJob, wasFinal = false): void {
    if (live.state !== 'open') return
    const report = assembleReport(live, viewAt(live.signed.job.membershipBlock))
    if (report === undefined) return
    live.state = 'final'
    if (!wasFinal) {
      metrics?.reportsCompleted.inc()
      metrics?.quorumLatency.observe((now() - live.signed.job.createdAt) / 1000)
    }
    logger.info({ jobId: live.jobId, sha256: live.signed.job.sha256, stats: report.stats, verdicts: report.verdicts.length, ...(wasFinal ? { reloaded: true } : {}) }, 'final report')
    if (live.signed.job.origin === self) submission.ended(live.jobId)
    persist('report', repos.reports.put(report).then(async () => await repos.jobs.update(live.jobId, { status: 'reported' }, { now: now() })))
    live.rescannable = needsRescan(report)
    // after the job's end, when every member has its report (or failed it) and so takes the rescan's job
    if (live.signed.job.origin === self && live.rescannable && live.rescanOf === undefined) {
      later(jobEndsAt(live.signed.job, boundsAt(follower, live.signed.job.membershipBlock)), async () => { await submission.rescan(live, { signal: controller.signal }) })
    }
  }

  function end (live: LiveJob): void {
    if (live.state !== 'open') return
    const view = viewAt(live.signed.job.membershipBlock)
    fail(live, failureOf(live, view.members.length, view.faultDivisor))
  }

  function fail (live: LiveJob, reason: JobFailure): void {
    live.state = 'failed'
    live.failure = reason
    metrics?.jobsFailed.inc({ reason })
    logger.warn({ jobId: live.jobId, sha256: live.signed.job.sha256, reason, commitments: live.commitments.size, verdicts: live.verdicts.size }, 'job failed')
    if (live.signed.job.origin !== self) {
      persist('failure', repos.jobs.update(live.jobId, { status: 'failed', failure: reason }, { now: now(), sync: true }))
      return
    }
    // the analysis goes on while the retry is coming (a restart publishes a promised one)
    persist('failure', repos.jobs.update(live.jobId, { status: 'failed', failure: reason, retrying: reason !== 'COMPLAINTS' }, { now: now(), sync: true })
      .then(async () => { await retryFailed(live, reason) }))
  }

  /** the retry takes over the failed job's admission slot; without one the slot is given back */
  async function retryFailed (live: LiveJob, reason: JobFailure): Promise<void> {
    try {
      const retried = await submission.retry(live, reason).catch((err: unknown) => {
        logger.error({ err, jobId: live.jobId }, 'retrying a failed job failed')
        return false
      })
      if (!retried) await repos.jobs.update(live.jobId, { retrying: false }, { now: now(), sync: true })
    } finally {
      submission.ended(live.jobId)
    }
  }

  const deferral = createJobDeferral({ follower, ctx, now })

  /** `blocks`: the job's inline blocks (SPEC section 9), offered to this member's scan once the job is valid */
  function onJob (msg: SignedScanJob, blocks: readonly string[] | undefined): void {
    const { jobId, submission: digest } = validateScanJob(msg, ctx)
    if (blocks !== undefined && msg.job.keyWraps.some((w) => w.member === self)) c.samples.offerBlocks?.(blocks.map((b) => Buffer.from(b, 'base64')))
    acceptJob(msg, jobId, digest).catch((err) => { logger.warn({ err, jobId }, 'accepting a job failed') })
  }

  // a URL's domain or IP becomes an indicator job of its own, started by the URL job's origin
  const derived = createDerivedIndicators({ chainId: opts.chainId, registry: opts.registry, ...(opts.maxDerivedQueued === undefined ? {} : { maxQueued: opts.maxDerivedQueued }) }, {
    signer: operator,
    known: async (kind, subject) => {
      const sha256 = indicatorSha256(subject)
      return book.findOpen(sha256, kind) != null || await repos.indicators.get(kind, subject) !== undefined || await repos.reports.latestJobId(sha256, kind) !== undefined
    },
    submit: async (input, options) => await submission.submitIndicator(input, options),
    logger,
    ...(metrics === undefined ? {} : { metrics }),
    now
  })

  const submission = createJobSubmission(opts, {
    operator, follower, gossip, samples: c.samples, book, ctx, logger, now, repos,
    ...(metrics === undefined ? {} : { metrics }),
    publishLocally: async (jobId, signed, submissionDigest) => await acceptJob(signed, jobId, submissionDigest),
    onIndicatorJob: (created) => { if (created.kind === 'url') derived.offer(created.subject) }
  })

  return {
    submitFile: submission.submitFile,
    submitIndicator: submission.submitIndicator,
    liveJob: (jobId) => book.get(jobId),
    jobs: book,
    async start () {
      // each handler's message has its topic's type (GossipTypeMap): the codec refused any other
      gossip.handle('jobs', async (received, _from, options) => {
        // the signed job alone is the job: what is stored, validated and carried into reports
        const { blocks, ...rest } = received
        const msg: SignedScanJob = blocks === undefined ? received : deepFreeze(rest)
        try {
          onJob(msg, blocks)
        } catch (err) {
          // a relay behind on the chain waits for the job's block and forwards it then (SPEC section 6)
          if (!(err instanceof GossipValidationError && err.code === 'FUTURE_MEMBERSHIP_BLOCK') || !await deferral.untilFollowed(msg, options)) throw err
          onJob(msg, blocks)
        }
      })
      for (const topic of ['commits', 'verdicts', 'attestations', 'complaints'] as const) {
        gossip.handle(topic, async (msg, _from, options) => { await intake.receive(msg, options) })
      }
      evidence.start()
      await resumeJobs({
        chainId: opts.chainId, registry: opts.registry, book, repos, now, follower, logger, schedule, end, signal: controller.signal, onLoaded: (live, wasFinal) => { tryFinalize(live, wasFinal) },
        retryOwed: (live, failure) => { persist('retry', retryFailed(live, JOB_FAILURES.includes(failure as JobFailure) ? failure as JobFailure : 'NO_QUORUM')) }
      })
      await submission.start()
      // the hosts of this node's URL jobs still open were queued in memory only: queue them again (known ones are skipped)
      for (const live of book.fromBlock(0)) {
        const { job } = live.signed
        if (live.state === 'open' && job.origin === self && job.kind === 'url') derived.offer(job.subject)
      }
      derived.start()
    },
    async stop () {
      await derived.stop()
      controller.abort()
      for (const t of timers) clearTimeout(t)
      timers.clear()
    }
  }
}
