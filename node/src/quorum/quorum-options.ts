/**
 * The quorum's options: the keys of a node's config file that time its jobs (SPEC section 10) and
 * bound the jobs it keeps open, their defaults and their validation. config.ts composes them with
 * the other subsystems' options; the coordinator reads them under the same names.
 */
import type { JobTiming } from './job-factory.ts'

export interface QuorumOptions extends JobTiming {
  /** most of its own jobs this node keeps open; further submissions wait for a slot (SPEC section 10) */
  maxActiveJobs: number
}

export const QUORUM_DEFAULTS = {
  commitWindowMs: 5000,
  revealWindowMs: 10_000,
  commitMsPerMiB: 200,
  // a member's share of one job (fetch, scans, three signatures, 3n messages) is about 0.1-0.4 s of a core
  commitMsPerQueuedJob: 250,
  // an origin's throughput is at most its open jobs over a job's time to its report (Little's law): 16 held
  // one node to about 13 jobs/s with CPU to spare (bench/load.ts), a job taking 1-1.5 s under load; 64 covers
  // 20 jobs/s at 3 s, and members still see at most n x 64 open jobs
  maxActiveJobs: 64
} as const satisfies QuorumOptions

/** The quorum options out of a config object whose defaults are already filled in, or what is wrong with them. */
export function readQuorumOptions (cfg: Record<string, unknown>): QuorumOptions | string {
  for (const key of ['commitWindowMs', 'revealWindowMs', 'commitMsPerMiB', 'commitMsPerQueuedJob']) {
    if (!Number.isSafeInteger(cfg[key]) || (cfg[key] as number) < 0) return `${key} must be a non-negative integer`
  }
  if (!Number.isSafeInteger(cfg.maxActiveJobs) || (cfg.maxActiveJobs as number) < 1) return 'maxActiveJobs must be a positive integer'
  return Object.fromEntries(Object.keys(QUORUM_DEFAULTS).map((key) => [key, cfg[key]])) as unknown as QuorumOptions
}
