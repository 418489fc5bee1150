import { DEFAULT_JOB_BOUNDS } from '#protocol/timing.ts'
import { DEFAULT_MAX_JOB_AGE_BLOCKS } from '#protocol/job-age.js'
import { DEFAULT_MAX_WAIT_MS } from '../../../node/src/network/pending-validations.ts'
import type { JobBounds } from '#protocol/timing.ts'
import type { Hex, ScanJob, SignedAttestation, SignedCommitment, SignedScanJob, SignedVerdict } from '#protocol/messages.ts'
import type { ValidationContext } from '#protocol/validation.ts'

export const SIM_CHAIN_ID = 31337
export const SIM_REGISTRY = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex
export const SIM_MEMBERSHIP_BLOCK = 10
export const SIM_ENGINE = 'sim-engine'

/**
 * The simulated chain's job bounds (NetworkParameters): the defaults, with windows allowed up to
 * `windowMs`. A run past a few dozen members shares one thread, often with other work on the box, so
 * its jobs need longer windows than a network of separate machines would.
 */
export function simBounds (windowMs: number): JobBounds {
  return { ...DEFAULT_JOB_BOUNDS, maxCommitWindowMs: Math.max(DEFAULT_JOB_BOUNDS.maxCommitWindowMs, windowMs), maxRevealWindowMs: Math.max(DEFAULT_JOB_BOUNDS.maxRevealWindowMs, windowMs) }
}

/**
 * How long a gossip validation may wait for what its member is behind on: the node's bound, or a
 * quarter of the window when the run's windows are stretched (the same share of a job's time).
 */
export function waitBoundFor (windowMs: number): number {
  return Math.max(DEFAULT_MAX_WAIT_MS, Math.floor(windowMs / 4))
}

/** What one member holds of one job: the messages its validators accepted. */
export interface JobState {
  signed: SignedScanJob
  commitments: Map<Hex, SignedCommitment>
  /** a member's second, different commitment (SPEC 7) */
  conflicting: Map<Hex, SignedCommitment>
  verdicts: Map<Hex, SignedVerdict>
  verdictHashes: Map<Hex, Hex>
  attestations: Map<Hex, SignedAttestation>
  attestationDigests: Map<Hex, Hex>
}

/**
 * One member's view of the chain (a fixed member set at one block, one engine each) and of the
 * gossip it accepted, shaped as the protocol's ValidationContext so the real validators judge it.
 */
export class MemberView {
  readonly jobs = new Map<Hex, JobState>()
  readonly submissions = new Map<Hex, Hex>()
  readonly #members: Hex[]
  readonly #memberSet: Set<Hex>
  readonly #bounds: JobBounds

  constructor (members: Hex[], bounds: JobBounds = DEFAULT_JOB_BOUNDS) {
    this.#members = members.toSorted()
    this.#memberSet = new Set(members)
    this.#bounds = bounds
  }

  context (): ValidationContext {
    const jobs = this.jobs
    return {
      chainId: SIM_CHAIN_ID,
      registry: SIM_REGISTRY,
      now: Date.now(),
      maxSampleBytes: 32 * 1024 * 1024,
      followedBlock: SIM_MEMBERSHIP_BLOCK + 2,
      maxJobAgeBlocks: DEFAULT_MAX_JOB_AGE_BLOCKS,
      isMemberAt: (address, block) => block >= SIM_MEMBERSHIP_BLOCK && this.#memberSet.has(address),
      membersAt: (block) => (block >= SIM_MEMBERSHIP_BLOCK ? this.#members : []),
      enginesAt: (address, block) => (block >= SIM_MEMBERSHIP_BLOCK && this.#memberSet.has(address) ? [SIM_ENGINE] : []),
      boundsAt: () => this.#bounds,
      getJob: (jobId) => jobs.get(jobId)?.signed.job as ScanJob | undefined,
      getCommitment: (jobId, m) => jobs.get(jobId)?.commitments.get(m)?.commitment.commitment,
      getConflictingCommitment: (jobId, m) => jobs.get(jobId)?.conflicting.get(m)?.commitment.commitment,
      commitmentCount: (jobId) => jobs.get(jobId)?.commitments.size ?? 0,
      getVerdictHash: (jobId, m) => jobs.get(jobId)?.verdictHashes.get(m),
      getAttestation: (jobId, m) => jobs.get(jobId)?.attestationDigests.get(m),
      hasComplaint: () => false,
      jobForSubmission: (digest) => this.submissions.get(digest)
    }
  }

  get members (): Hex[] {
    return this.#members
  }
}

export function newJobState (signed: SignedScanJob): JobState {
  return { signed, commitments: new Map(), conflicting: new Map(), verdicts: new Map(), verdictHashes: new Map(), attestations: new Map(), attestationDigests: new Map() }
}
