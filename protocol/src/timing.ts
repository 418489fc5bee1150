/**
 * Bounds on a job's windows (SPEC section 5). They are network parameters at the job's membership
 * block, so every node and every light client holds a job to the same bounds; an unset or
 * nonsensical value reads as the default by one rule, `jobBoundsFrom`.
 */
import type { ScanJob } from './messages.ts'

export interface JobBounds {
  minCommitWindowMs: number
  maxCommitWindowMs: number
  minRevealWindowMs: number
  maxRevealWindowMs: number
  attestWindowMs: number
  clockSkewMs: number
}

export const DEFAULT_JOB_BOUNDS: Readonly<JobBounds> = Object.freeze({
  minCommitWindowMs: 1000,
  maxCommitWindowMs: 300_000,
  minRevealWindowMs: 1000,
  maxRevealWindowMs: 60_000,
  attestWindowMs: 5000,
  clockSkewMs: 1000
})

export const JOB_BOUND_PARAMETERS = Object.keys(DEFAULT_JOB_BOUNDS) as Array<keyof JobBounds>

/** No parameter may exceed a day: a job that outlives it would hold a sample's lock for good. */
const MAX_BOUND_MS = 86_400_000

/**
 * The bounds a set of NetworkParameters values stands for. `read(name)` gives the chain's value
 * (undefined/0 when unset); a value that is not an integer in (0, a day], or a min above its max,
 * falls back to the default.
 */
export function jobBoundsFrom (read: (name: keyof JobBounds) => bigint | number | null | undefined): JobBounds {
  const value = (name: keyof JobBounds): number => {
    const raw = read(name)
    const n = typeof raw === 'bigint' ? (raw <= BigInt(MAX_BOUND_MS) ? Number(raw) : 0) : (raw ?? 0)
    return Number.isSafeInteger(n) && n > 0 && n <= MAX_BOUND_MS ? n : DEFAULT_JOB_BOUNDS[name]
  }
  const bounds = Object.fromEntries(JOB_BOUND_PARAMETERS.map(name => [name, value(name)])) as unknown as JobBounds
  if (bounds.minCommitWindowMs > bounds.maxCommitWindowMs) {
    bounds.minCommitWindowMs = DEFAULT_JOB_BOUNDS.minCommitWindowMs
    bounds.maxCommitWindowMs = DEFAULT_JOB_BOUNDS.maxCommitWindowMs
  }
  if (bounds.minRevealWindowMs > bounds.maxRevealWindowMs) {
    bounds.minRevealWindowMs = DEFAULT_JOB_BOUNDS.minRevealWindowMs
    bounds.maxRevealWindowMs = DEFAULT_JOB_BOUNDS.maxRevealWindowMs
  }
  return bounds
}

/** The job's windows are ordered and each lies within its bounds. */
export function windowsWithinBounds (job: Pick<ScanJob, 'createdAt' | 'commitDeadline' | 'revealDeadline'>, bounds: JobBounds): boolean {
  const commit = job.commitDeadline - job.createdAt
  const reveal = job.revealDeadline - job.commitDeadline
  return commit >= bounds.minCommitWindowMs && commit <= bounds.maxCommitWindowMs &&
    reveal >= bounds.minRevealWindowMs && reveal <= bounds.maxRevealWindowMs
}

/** Clamps a window length into [min, max]. */
export function clampWindow (ms: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.ceil(ms)))
}

/** When members attest at the latest (SPEC section 7), on their own clock. */
export function attestAt (job: Pick<ScanJob, 'revealDeadline'>, bounds: JobBounds): number {
  return job.revealDeadline + bounds.clockSkewMs
}

/** Attestations are accepted until then. */
export function attestDeadline (job: Pick<ScanJob, 'revealDeadline'>, bounds: JobBounds): number {
  return job.revealDeadline + bounds.clockSkewMs + bounds.attestWindowMs
}

/** A job without a final report by then has failed (SPEC section 10). */
export function jobEndsAt (job: Pick<ScanJob, 'revealDeadline'>, bounds: JobBounds): number {
  return job.revealDeadline + 2 * bounds.clockSkewMs + bounds.attestWindowMs
}

/**
 * The scan budget's end on a member's clock: time is left to sign and to reach every node before the
 * deadline. The margin is a tenth of the commit window (500 ms at least): a long window is a loaded
 * network's, where signing and publishing wait behind other jobs' work.
 */
export function scanDeadline (job: Pick<ScanJob, 'createdAt' | 'commitDeadline'>, bounds: JobBounds): number {
  return job.commitDeadline - bounds.clockSkewMs - Math.max(500, Math.floor((job.commitDeadline - job.createdAt) / 10))
}
