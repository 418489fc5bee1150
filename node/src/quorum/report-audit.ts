import { setTimeout as sleep } from 'node:timers/promises'
import { faultDivisorFrom } from '#protocol/index.ts'
import { registrationsAt } from './validation-context.ts'
import { jobHoldsAt, reportMembershipProblem } from './membership-check.ts'
import type { JobBook } from './job-book.ts'
import type { RegistryFollower, ReorgEvent } from '../chain/registry-follower.ts'
import type { ReportRepository } from '../db/report-repository.ts'
import type { QuorumMetrics } from '../metrics/registry.ts'
import type { Logger } from 'pino'

export interface ReportAuditorOptions {
  /** wait before retrying an audit that failed (a database error) */
  retryMs?: number
  logger: Logger
  metrics?: Pick<QuorumMetrics, 'reportsWithdrawn' | 'liveJobsDropped'>
  now?: () => number
}

export interface ReportAuditorComponents {
  follower: Pick<RegistryFollower, 'followedBlock' | 'membersAt' | 'enginesAt' | 'parameterAt' | 'onReorg' | 'waitFor'>
  reports: Pick<ReportRepository, 'fromBlock' | 'get' | 'withdraw'>
  /** the coordinator's live jobs, when it exposes them: jobs a reorg invalidated are dropped */
  jobs?: Pick<JobBook, 'fromBlock' | 'delete'>
}

export interface ReportAuditor {
  start(): Promise<void>
  stop(): Promise<void>
  /** resolves once every audit signalled so far has finished, including re-checks that wait for the follower to reach their block */
  settled(): Promise<void>
}

/**
 * Revisits what the node decided from membership after the follower rolls back a reorg: every
 * stored report (and live job) whose membership block is at or after the common ancestor is
 * re-checked against the replayed membership, and one that no longer holds is withdrawn (its
 * evidence kept, never served again). Audits run one at a time; a report whose block the
 * follower has not reached again on the new chain is checked once it has.
 */
export function createReportAuditor (opts: ReportAuditorOptions, c: ReportAuditorComponents): ReportAuditor {
  const { follower, reports, jobs } = c
  const { logger, metrics } = opts
  const now = opts.now ?? Date.now
  const controller = new AbortController()
  /** lowest block still to re-check, and the reorg that asked for it */
  let from: number | undefined
  let cause: ReorgEvent | undefined
  /** aborts a wait for the follower when a deeper reorg needs auditing first */
  let wake = new AbortController()
  let queue: Promise<void> = Promise.resolve()
  let unsubscribe: (() => void) | undefined

  /** re-checks from `start`; returns the lowest block the follower has not reached yet, if some report needs it */
  async function auditFrom (start: number, event: ReorgEvent): Promise<number | undefined> {
    const signal = controller.signal
    let later: number | undefined
    let checked = 0
    let withdrawn = 0
    for (const { jobId, block } of await reports.fromBlock(start, { signal })) {
      signal.throwIfAborted()
      const report = await reports.get(jobId)
      if (report == null) continue
      // read after the await: the follower may have moved (or rolled back) meanwhile
      if (block > follower.followedBlock) {
        later = Math.min(later ?? block, block)
        continue
      }
      checked++
      const problem = reportMembershipProblem(report, {
        members: follower.membersAt(block),
        registrations: registrationsAt(follower, block),
        // read through the one rule the coordinator and light clients use
        faultDivisor: faultDivisorFrom(follower.parameterAt('quorumFaultDivisor', block))
      })
      if (problem == null) continue
      await reports.withdraw(jobId, { ...problem, ancestorBlock: event.ancestorBlock, withdrawnAt: now() })
      withdrawn++
      metrics?.reportsWithdrawn.inc()
      logger.warn({ jobId, sha256: report.job.job.sha256, block, code: problem.code, ancestor: event.ancestorBlock }, 'report withdrawn: the chain no longer supports its membership')
    }
    for (const live of jobs?.fromBlock(start) ?? []) {
      const { job } = live.signed
      if (job.membershipBlock > follower.followedBlock) {
        later = Math.min(later ?? job.membershipBlock, job.membershipBlock)
        continue
      }
      if (jobHoldsAt(job, follower.membersAt(job.membershipBlock))) continue
      jobs?.delete(live.jobId)
      metrics?.liveJobsDropped.inc()
      logger.warn({ jobId: live.jobId, block: job.membershipBlock, ancestor: event.ancestorBlock }, 'live job dropped: the chain no longer supports its membership')
    }
    logger.info({ from: start, checked, withdrawn, waitingFor: later }, 'reorg audit done')
    return later
  }

  async function drain (): Promise<void> {
    while (from != null && !controller.signal.aborted) {
      const start = from
      const event = cause ?? { ancestorBlock: start, depth: 0 }
      from = undefined
      let next: number | undefined
      try {
        next = await auditFrom(start, event)
      } catch (err) {
        if (controller.signal.aborted) return
        logger.error({ err, from: start }, 'reorg audit failed; retrying')
        from = Math.min(from ?? start, start)
        await sleep(opts.retryMs ?? 5000, undefined, { signal: controller.signal }).catch(() => {})
        continue
      }
      if (next == null) continue
      if (from != null) {
        // another reorg came in meanwhile: audit from its ancestor before waiting for anything
        from = Math.min(from, next)
        continue
      }
      from = next
      wake = new AbortController()
      await follower.waitFor(next, { signal: AbortSignal.any([controller.signal, wake.signal]) }).catch(() => {})
    }
  }

  function onReorg (event: ReorgEvent): void {
    // merged with an audit still pending: the lowest ancestor, the deepest depth
    cause = from == null || cause == null ? event : { ancestorBlock: Math.min(cause.ancestorBlock, event.ancestorBlock), depth: Math.max(cause.depth, event.depth) }
    from = Math.min(from ?? event.ancestorBlock, event.ancestorBlock)
    wake.abort()
    queue = queue.then(drain).catch((err: unknown) => { logger.error({ err }, 'reorg audit stopped') })
  }

  return {
    async start () {
      unsubscribe = follower.onReorg(onReorg)
    },
    async stop () {
      unsubscribe?.()
      controller.abort()
      await queue
    },
    async settled () {
      await queue
    }
  }
}
