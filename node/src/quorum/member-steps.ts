/**
 * What this node owes a job as a member (SPEC sections 5, 7, 9, 10): scan within the budget and
 * commit, reveal once no commitment can still arrive, attest once to everything it holds, or
 * complain when the origin's bytes or key do not check out. Every step stores what a restart
 * needs before the message leaves the node.
 */
import { randomBytes } from 'node:crypto'
import {
  attestationFor, computeCommitment, contentCommitments, scanDeadline, signAttestation, signCommitment, signComplaint, signVerdict
} from '#protocol/index.ts'
import { scanJob } from './member-scan.ts'
import type { MemberScanComponents } from './member-scan.ts'
import type { LiveJob } from './job-book.ts'
import type { Hex, SignedAttestation, SignedCommitment, SignedComplaint, SignedVerdict, Verdict } from '#protocol/messages.ts'
import type { JobBounds } from '#protocol/timing.ts'
import type { Repositories } from '../db/repositories.ts'
import type { QuorumMetrics } from '../metrics/registry.ts'
import type { Engine } from '../scan/engine.ts'
import type { Wallet } from 'ethers'
import type { Logger } from 'pino'

export interface MemberStepsContext extends Omit<MemberScanComponents, 'recordSample'> {
  chainId: number
  registry: Hex
  operator: Wallet
  engines: Engine[]
  repos: Pick<Repositories, 'jobs' | 'samples' | 'indicators' | 'attestations'>
  logger: Logger
  metrics?: QuorumMetrics
  now: () => number
  signal: AbortSignal
  enginesAt: (member: Hex, block: number) => readonly string[]
  /** hands a message this node made to its own gossip handlers' logic, then to the network */
  emit: (msg: SignedCommitment | SignedVerdict | SignedAttestation | SignedComplaint) => Promise<void>
}

/** The engines this member may answer for at the job's block: a verdict carries no other. */
function registeredEngines (ctx: MemberStepsContext, block: number): Engine[] {
  const registered = new Set(ctx.enginesAt(ctx.self, block))
  return ctx.engines.filter((e) => registered.has(e.name))
}

/** Scans and commits; returns false when the member complained or its commitment could no longer count. */
export async function scanAndCommit (live: LiveJob, bounds: JobBounds, ctx: MemberStepsContext): Promise<boolean> {
  const { job } = live.signed
  const { jobId } = live
  const started = ctx.now()
  const budget = Math.max(1, scanDeadline(job, bounds) - started)
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(budget)])
  const outcome = await scanJob(job, registeredEngines(ctx, job.membershipBlock), {
    ...ctx,
    recordSample: async (upload) => await ctx.repos.samples.recordUpload(upload)
  }, { signal })
  if (outcome.kind === 'complaint') {
    await ctx.emit(await signComplaint({ jobId, member: ctx.self, reason: outcome.reason }, ctx.chainId, ctx.registry, ctx.operator))
    return false
  }
  if (outcome.related.length > 0) await ctx.repos.indicators.relate(job.sha256, outcome.related, { now: ctx.now() })
  // a member scans before it commits: scannedAt inside [createdAt, commitDeadline] (BAD_SCAN_TIME otherwise)
  const scannedAt = Math.min(job.commitDeadline, Math.max(job.createdAt, ctx.now()))
  const verdict: Verdict = { jobId, member: ctx.self, sha256: job.sha256, membershipBlock: job.membershipBlock, scannedAt, results: outcome.results }
  const salt = `0x${randomBytes(32).toString('hex')}` as Hex
  const commitment = await signCommitment({ jobId, member: ctx.self, commitment: computeCommitment(verdict, salt) }, ctx.chainId, ctx.registry, ctx.operator)
  if (ctx.now() > job.commitDeadline) {
    ctx.logger.warn({ jobId }, 'commit window closed before the commitment was signed; no vote from this member')
    return false
  }
  // the salt and verdict are synced before the commitment leaves this node: losing them would lose the reveal
  await ctx.repos.jobs.update(jobId, { salt, verdict, status: 'committed' }, { now: ctx.now() })
  await ctx.emit(commitment)
  // what an operator reads to size the windows: how late the job came, how long the scan took, what ran out of time
  ctx.logger.info({
    jobId, receivedAfterMs: started - job.createdAt, scanMs: ctx.now() - started, fetchMs: Math.round(outcome.fetchMs), budgetMs: budget,
    timeouts: outcome.results.filter((r) => r.category === 'timeout').map((r) => r.engine)
  }, 'committed')
  return true
}

/** Reveals the verdict committed to (from the durable record, so it survives a restart). */
export async function reveal (jobId: Hex, ctx: MemberStepsContext): Promise<void> {
  const record = await ctx.repos.jobs.get(jobId)
  if (record?.salt === undefined || record.verdict === undefined || record.status !== 'committed') return
  const signed = await signVerdict(record.verdict, record.salt, ctx.chainId, ctx.registry, ctx.operator)
  // sent before it is marked: a crash in between reveals again after the restart (a duplicate peers ignore)
  await ctx.emit(signed)
  ctx.metrics?.verdictsPublished.inc()
  await ctx.repos.jobs.update(jobId, { status: 'revealed' }, { now: ctx.now() })
}

/** Attests, once ever per job: the attestation is stored before it is published, and a stored one is only re-sent. */
export async function attest (live: LiveJob, ctx: MemberStepsContext): Promise<void> {
  const stored = await ctx.repos.attestations.get(live.jobId, ctx.self)
  if (stored !== undefined) {
    await ctx.emit(stored)
    return
  }
  const verdicts = [...live.verdicts.values()].map((v) => v.msg)
  const commitments = contentCommitments([...live.commitments.values()], [...live.conflicting.values()], verdicts)
  const content = attestationFor(live.signed, commitments, verdicts, ctx.chainId, ctx.registry)
  const signed = await signAttestation(content, ctx.chainId, ctx.registry, ctx.operator)
  await ctx.repos.attestations.put(signed, { sync: true })
  const record = await ctx.repos.jobs.get(live.jobId)
  if (record !== undefined && (record.status === 'received' || record.status === 'committed' || record.status === 'revealed')) {
    await ctx.repos.jobs.update(live.jobId, { status: 'attested' }, { now: ctx.now() })
  }
  await ctx.emit(signed)
}
