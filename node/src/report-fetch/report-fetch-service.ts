/**
 * Fills in the anchored reports this member lacks (SPEC 17, "Reports fetched from peers"). A member that
 * was down, partitioned or restarted during a job never assembles its report, and an epoch's rewards
 * wait for every report anchored in their window (epoch-inputs.ts): without this they would wait for
 * ever. Each pass reads the anchored epochs whose listed jobs are missing here, asks peers for each
 * (report-fetcher.ts) and stores what passes the checks; a job no peer served is retried with backoff.
 * The anchor service then records the stored report's proof at its next pass, and the epoch proceeds.
 */
import { pollUntilAborted } from '../chain/poll-until-aborted.ts'
import type { ReportFetcher } from './report-fetcher.ts'
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Hex } from '#protocol/messages.ts'
import type { Repositories } from '../db/repositories.ts'

export interface ReportFetchServiceOptions {
  pollIntervalMs: number
  /** the first retry of a job no peer served waits this long, doubling each time up to retryMaxMs (defaults 5 s, 10 min) */
  retryBaseMs?: number
  retryMaxMs?: number
  /** jobs asked for in one pass at most (default 32) */
  maxJobsPerPass?: number
  /** the newest anchored epochs looked at (default 64) */
  lookbackEpochs?: number
}

export interface ReportFetchServiceComponents {
  fetcher: Pick<ReportFetcher, 'fetch'>
  repos: Pick<Repositories, 'reports' | 'anchors'>
  logger: Logger
  now?: () => number
}

export interface ReportFetchService extends Startable {
  /** one pass; the number of reports fetched and stored (the poll loop runs it; tests may too) */
  tick(options?: AbortOptions): Promise<number>
}

export function createReportFetchService (opts: ReportFetchServiceOptions, c: ReportFetchServiceComponents): ReportFetchService {
  const { repos, fetcher, logger } = c
  const now = c.now ?? Date.now
  const base = opts.retryBaseMs ?? 5000
  const maxWait = opts.retryMaxMs ?? 600_000
  const perPass = opts.maxJobsPerPass ?? 32
  /** jobs no peer served yet: attempts and when to ask again */
  let retries = new Map<Hex, { attempts: number, at: number }>()
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined
  let queue: Promise<void> = Promise.resolve()

  async function pass (options: AbortOptions): Promise<number> {
    const kept = new Map<Hex, { attempts: number, at: number }>()
    let asked = 0
    let stored = 0
    for (const epoch of await repos.anchors.epochs(opts.lookbackEpochs ?? 64)) {
      if ((epoch.missing?.length ?? 0) === 0) continue
      const proposal = await repos.anchors.proposal(epoch.epoch, epoch.root)
      if (proposal === undefined) continue
      const leaves = new Set(proposal.leaves.map((l) => l.toLowerCase()))
      for (const jobId of epoch.missing ?? []) {
        options.signal?.throwIfAborted()
        // gossip may have brought it since: the anchor service records it at its next pass
        if (await repos.reports.get(jobId) !== undefined) continue
        const wait = retries.get(jobId)
        if (asked >= perPass || (wait !== undefined && wait.at > now())) {
          if (wait !== undefined) kept.set(jobId, wait)
          continue
        }
        asked++
        const report = await fetcher.fetch({ epoch: epoch.epoch, jobId, leaves }, options)
        // false: this node withdrew the job's report (a reorg took its membership away); it stays out, asked again after the backoff
        if (report !== undefined && await repos.reports.put(report)) {
          stored++
          continue
        }
        const attempts = (wait?.attempts ?? 0) + 1
        kept.set(jobId, { attempts, at: now() + Math.min(maxWait, base * 2 ** (attempts - 1)) })
        logger.info({ epoch: epoch.epoch, jobId, attempts, withdrawnHere: report !== undefined }, report === undefined ? 'no peer served an anchored report this member lacks; retried later' : 'a fetched report this node withdrew is not stored; retried later')
      }
    }
    retries = kept
    return stored
  }

  /** one pass at a time: the loop and a test's tick never run two */
  async function tick (options: AbortOptions = {}): Promise<number> {
    const run = queue.then(async () => await pass(options))
    queue = run.then(() => {}, () => {})
    return await run
  }

  return {
    tick,
    async start () {
      controller = new AbortController()
      const { signal } = controller
      loop = pollUntilAborted(async () => {
        await tick({ signal }).catch((err: unknown) => {
          if (!signal.aborted) logger.warn({ err }, 'report fetch pass failed; retried at the next pass')
        })
      }, opts.pollIntervalMs, signal)
    },
    async stop () {
      controller?.abort()
      await loop
    }
  }
}
