import { randomBytes } from 'node:crypto'
import { hexToBytes } from '@noble/hashes/utils.js'
import {
  computeCommitment, deriveReport, faultDivisorFrom, GossipValidationError, hasQuorum, signCommitment,
  signVerdict, unwrapContentKey, validateCommitment, validateScanJob, validateVerdict
} from '../../../protocol/src/index.ts'
import { indicatorsFromDetails } from './file-indicators.ts'
import { createJobSubmission } from './job-submission.ts'
import { JobBook } from './job-book.ts'
import { runEngines } from './run-engines.ts'
import { createValidationContext } from './validation-context.ts'
import type { IndicatorSubmission, JobTiming } from './job-factory.ts'
import type { LiveJob } from './job-book.ts'
import type { SampleAccess } from './ports.ts'
import type { Repositories } from '../db/repositories.ts'
import type { Hex, Report, ScanJob, SignedCommitment, SignedScanJob, SignedVerdict, Verdict } from '../../../protocol/src/messages.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { QuorumMetrics } from '../metrics/registry.ts'
import type { Gossip } from '../network/gossip.ts'
import type { Engine } from '../scan/engine.ts'
import type { Wallet } from 'ethers'
import type { Logger } from 'pino'

/** jobs held for a membership block not yet followed, and how far ahead one may be */
const MAX_DEFERRED_JOBS = 256
const MAX_BLOCKS_AHEAD = 16

export interface CoordinatorOptions extends JobTiming {
  chainId: number
  registry: Hex
  clockSkewMs: number
  maxSampleBytes: number
  /** how long finished jobs stay in memory for late reveals and status queries */
  retentionMs: number
}

export interface CoordinatorComponents {
  operator: Wallet
  x25519SecretKey: Uint8Array
  follower: RegistryFollower
  gossip: Gossip
  samples: SampleAccess
  engines: Engine[]
  repositories: Pick<Repositories, 'samples' | 'jobs' | 'commitments' | 'verdicts' | 'reports' | 'evidence' | 'indicators'>
  logger: Logger
  metrics?: QuorumMetrics
  now?: () => number
}

export interface Coordinator {
  start(): Promise<void>
  stop(): Promise<void>
  submitFile(source: AsyncIterable<Uint8Array>, meta: { filename?: string }, options?: { signal?: AbortSignal }): Promise<{ analysisId: Hex, sha256: Hex }>
  /** a signed indicator (SubmissionError when it is not one); the job in flight for it when there is one */
  submitIndicator(input: IndicatorSubmission, options?: { signal?: AbortSignal }): Promise<{ analysisId: Hex, sha256: Hex, subject: string }>
  liveJob(jobId: Hex): LiveJob | undefined
  /** the live jobs: the report auditor drops those a reorg took the membership from */
  readonly jobs: JobBook
}

/**
 * The quorum protocol on one supernode: creates jobs for uploads it takes, scans the jobs of
 * the member sets it belongs to, commits then reveals its signed verdict, and assembles the
 * report once a quorum of the job's members has revealed.
 */
export function createCoordinator (opts: CoordinatorOptions, c: CoordinatorComponents): Coordinator {
  const { operator, follower, gossip, samples, engines, repositories: repos, logger, metrics } = c
  const now = c.now ?? Date.now
  const self = operator.address.toLowerCase() as Hex
  const book = new JobBook({ retentionMs: opts.retentionMs, maxJobs: 10_000 })
  const ctx = createValidationContext(opts, follower, book, now)
  const timers = new Set<NodeJS.Timeout>()
  const controller = new AbortController()
  let deferred = 0

  function later (at: number, fn: () => Promise<void>): void {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn().catch((err) => { logger.error({ err }, 'scheduled quorum step failed') })
    }, Math.max(0, at - now()))
    timers.add(timer)
  }

  function persist (what: string, p: Promise<unknown>): void {
    p.catch((err) => { logger.error({ err, what }, 'persisting quorum state failed') })
  }

  function acceptJob (msg: SignedScanJob, jobId: Hex): void {
    if (book.get(jobId) != null) return
    book.add(jobId, msg, now())
    persist('job', repos.jobs.add(jobId, msg, { now: now() }))
    // every node that sees an indicator job can answer lookups of it, member or not
    if (msg.job.kind !== 'file') persist('indicator', repos.indicators.recordSubmission(msg.job, { now: now() }))
    if (follower.isMemberAt(self, msg.job.membershipBlock)) {
      scanAndCommit(jobId).catch((err) => { logger.warn({ err, jobId }, 'scan job failed') })
    }
  }

  function acceptCommitment (msg: SignedCommitment): void {
    const live = book.get(msg.commitment.jobId)
    if (live == null) return
    live.commitments.set(msg.commitment.member, msg)
    persist('commitment', repos.commitments.put(msg))
  }

  function acceptVerdict (msg: SignedVerdict, verdictHash: Hex): void {
    const live = book.get(msg.verdict.jobId)
    if (live == null) return
    live.verdicts.set(msg.verdict.member, { msg, verdictHash })
    persist('verdict', repos.verdicts.put(msg))
    const block = live.signed.job.membershipBlock
    const memberCount = follower.membersAt(block).length
    // the quorum rule in force at the job's block, as light clients read it from the chain
    const faultDivisor = faultDivisorFrom(follower.parameterAt('quorumFaultDivisor', block))
    if (!hasQuorum(live.verdicts.size, memberCount, faultDivisor)) return
    const report: Report = deriveReport({
      job: live.signed,
      verdicts: [...live.verdicts.values()].map((v) => v.msg),
      memberCount,
      faultDivisor,
      chainId: opts.chainId,
      registry: opts.registry
    })
    if (!live.reported) {
      live.reported = true
      metrics?.reportsCompleted.inc()
      metrics?.quorumLatency.observe((now() - live.signed.job.createdAt) / 1000)
      logger.info({ jobId: live.jobId, sha256: live.signed.job.sha256, stats: report.stats, verdicts: report.verdicts.length }, 'report reached quorum')
    }
    persist('report', repos.reports.put(report))
  }

  /**
   * Nodes poll the chain independently, so a job may name a block this node has not followed
   * yet. Dropping it would lose this member's verdict: hold it (bounded) until the follower
   * gets there, then validate it again.
   */
  function deferJob (msg: SignedScanJob): void {
    const { job } = msg
    if (deferred >= MAX_DEFERRED_JOBS || job.membershipBlock > follower.followedBlock + MAX_BLOCKS_AHEAD) return
    deferred++
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(Math.max(1, job.commitDeadline - now()))])
    follower.waitFor(job.membershipBlock, { signal })
      .then(() => {
        const { jobId } = validateScanJob(msg, ctx)
        acceptJob(msg, jobId)
      })
      .catch((err: unknown) => { logger.debug({ err, block: job.membershipBlock }, 'deferred job dropped') })
      .finally(() => { deferred-- })
  }

  /** a network parameter in force at `block`, or the configured fallback when the chain has none */
  function parameter (name: string, block: number, fallback: number): number {
    const value = follower.parameterAt(name, block)
    return value == null || value > BigInt(Number.MAX_SAFE_INTEGER) ? fallback : Number(value)
  }

  /** a member signed two different commitments for one job: keep both as proof */
  function keepEvidence (second: SignedCommitment): void {
    const { jobId, member } = second.commitment
    const first = book.get(jobId)?.commitments.get(member)
    if (first == null) return
    logger.warn({ jobId, member }, 'equivocating commitments; evidence kept')
    persist('evidence', repos.evidence.add({ kind: 'commitment', member, jobId, first, second, recordedAt: now() }))
  }

  /** a member signed two different verdicts for one job: keep both as proof */
  function keepVerdictEvidence (second: SignedVerdict): void {
    const { jobId, member } = second.verdict
    const first = book.get(jobId)?.verdicts.get(member)?.msg
    if (first == null) return
    logger.warn({ jobId, member }, 'equivocating verdicts; evidence kept')
    persist('evidence', repos.evidence.add({ kind: 'verdict', member, jobId, first, second, recordedAt: now() }))
  }

  /** a file job's plaintext, fetched and decrypted with this member's wrapped key; undefined when there is none for us */
  async function readFile (job: ScanJob, signal: AbortSignal): Promise<Uint8Array | undefined> {
    const wrap = job.keyWraps.find((w) => w.member === self)
    if (wrap == null) return undefined
    const contentKey = unwrapContentKey({
      wrappedKey: wrap.wrappedKey,
      memberSecretKey: c.x25519SecretKey,
      ephemeralPublicKey: hexToBytes(job.ephemeralPublicKey.slice(2)),
      member: self,
      sha256: job.sha256
    })
    const bytes = await samples.readSample(job.cid, contentKey, { signal })
    // a member now holds the ciphertext and its key, so it can answer hash lookups for it too
    persist('sample', repos.samples.recordUpload({
      sha256: job.sha256, sha1: job.sha1, md5: job.md5, size: job.size, fileType: job.fileType, cid: job.cid,
      contentKey: `0x${Buffer.from(contentKey).toString('hex')}`, seenAt: job.createdAt
    }))
    return bytes
  }

  async function scanAndCommit (jobId: Hex): Promise<void> {
    const live = book.get(jobId)
    if (live == null) return
    const { job } = live.signed
    // the scan must finish before the commit window closes, or the commitment is stale anyway
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(Math.max(1, job.commitDeadline - now()))])
    // an indicator is its subject: nothing to fetch or decrypt
    const bytes = job.kind === 'file' ? await readFile(job, signal) : new TextEncoder().encode(job.subject)
    if (bytes === undefined) return
    const details: unknown[] = []
    const onDetail = job.kind === 'file' ? (_engine: string, detail: unknown) => { details.push(detail) } : undefined
    const results = await runEngines(engines, { bytes, sha256: job.sha256, fileType: job.fileType, kind: job.kind }, logger, metrics, { signal, onDetail })
    // the URLs and domains in the file: "files communicating with this domain" comes from here
    const related = indicatorsFromDetails(details)
    if (related.length > 0) persist('relations', repos.indicators.relate(job.sha256, related, { now: now() }))
    const verdict: Verdict = { jobId, member: self, sha256: job.sha256, membershipBlock: job.membershipBlock, scannedAt: now(), results }
    const salt = `0x${randomBytes(32).toString('hex')}` as Hex
    const commitment = await signCommitment({ jobId, member: self, commitment: computeCommitment(verdict, salt) }, opts.chainId, opts.registry, operator)
    if (now() > job.commitDeadline) {
      logger.warn({ jobId }, 'scan finished after the commit window; no verdict from this member')
      return
    }
    await repos.jobs.add(jobId, live.signed, { now: now() })
    // the salt is synced before the commitment leaves this node: losing it would lose the reveal
    await repos.jobs.update(jobId, { salt, status: 'committed' }, { now: now() })
    acceptCommitment(commitment)
    await gossip.publish('commits', commitment)
    later(job.commitDeadline + opts.clockSkewMs, async () => {
      const signed = await signVerdict(verdict, salt, opts.chainId, opts.registry, operator)
      const { verdictHash } = validateVerdict(signed, ctx)
      acceptVerdict(signed, verdictHash)
      persist('job', repos.jobs.update(jobId, { status: 'revealed' }, { now: now() }))
      metrics?.verdictsPublished.inc()
      await gossip.publish('verdicts', signed)
    })
  }

  const submission = createJobSubmission(opts, {
    operator, follower, gossip, samples, book, ctx, logger, metrics, now, parameter,
    recordSighting: async (job) => { await repos.indicators.recordSubmission(job, { now: now() }) },
    publishLocally: async (jobId, signed) => {
      await repos.jobs.add(jobId, signed, { now: now(), sync: true })
      acceptJob(signed, jobId)
    }
  })

  return {
    submitFile: submission.submitFile,
    submitIndicator: submission.submitIndicator,
    liveJob: (jobId) => book.get(jobId),
    jobs: book,
    async start () {
      gossip.handle('jobs', (msg) => {
        if (msg.type !== 'scan-job') return
        try {
          const { jobId } = validateScanJob(msg, ctx)
          acceptJob(msg, jobId)
        } catch (err) {
          if (err instanceof GossipValidationError && err.code === 'FUTURE_MEMBERSHIP_BLOCK') deferJob(msg)
          throw err
        }
      })
      gossip.handle('commits', (msg) => {
        if (msg.type !== 'commitment') return
        try {
          validateCommitment(msg, ctx)
        } catch (err) {
          if (err instanceof GossipValidationError && err.code === 'EQUIVOCATION') keepEvidence(msg)
          throw err
        }
        acceptCommitment(msg)
      })
      gossip.handle('verdicts', (msg) => {
        if (msg.type !== 'verdict') return
        try {
          const { verdictHash } = validateVerdict(msg, ctx)
          acceptVerdict(msg, verdictHash)
        } catch (err) {
          // the signature checked out, but a revealed verdict of this member already opened the commitment
          if (err instanceof GossipValidationError && err.code === 'COMMITMENT_MISMATCH') keepVerdictEvidence(msg)
          throw err
        }
      })
    },
    async stop () {
      controller.abort()
      for (const t of timers) clearTimeout(t)
      timers.clear()
    }
  }
}
