import { jobBoundsFrom, maxJobAgeBlocksFrom, registrationsOf } from '#protocol/index.ts'
import type { JobBook } from './job-book.ts'
import type { JobBounds, ValidationContext } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'

export interface ContextOptions {
  chainId: number
  registry: Hex
  maxSampleBytes: number
}

/** The window bounds in force at a block, from the chain's parameters there (SPEC section 5). */
export function boundsAt (follower: Pick<RegistryFollower, 'parameterAt'>, block: number): JobBounds {
  return jobBoundsFrom((name) => follower.parameterAt(name, block))
}

/** engine id -> the members at `block` whose registered engines include it (SPEC section 8) */
export function registrationsAt (follower: Pick<RegistryFollower, 'membersAt' | 'enginesAt'>, block: number): Record<string, Hex[]> {
  const members = follower.membersAt(block)
  return registrationsOf(members, members.map((m) => follower.enginesAt(m, block)))
}

/** Adapts the node's live state to the protocol's pure validators, read at validation time. */
export function createValidationContext (opts: ContextOptions, follower: RegistryFollower, book: JobBook, now: () => number): ValidationContext {
  return {
    chainId: opts.chainId,
    registry: opts.registry,
    maxSampleBytes: opts.maxSampleBytes,
    get now () { return now() },
    get followedBlock () { return follower.followedBlock },
    // the rule in force now, not at the job's block: an old block must not carry the bound of its own era
    get maxJobAgeBlocks () { return maxJobAgeBlocksFrom(follower.parameterAt('maxJobAgeBlocks', follower.followedBlock)) },
    isMemberAt: (address, block) => follower.isMemberAt(address, block),
    membersAt: (block) => follower.membersAt(block),
    enginesAt: (address, block) => follower.enginesAt(address, block),
    boundsAt: (block) => boundsAt(follower, block),
    getJob: (jobId) => book.job(jobId),
    getCommitment: (jobId, member) => book.get(jobId)?.commitments.get(member)?.commitment.commitment,
    getConflictingCommitment: (jobId, member) => book.get(jobId)?.conflicting.get(member)?.commitment.commitment,
    commitmentCount: (jobId) => book.get(jobId)?.commitments.size ?? 0,
    getVerdictHash: (jobId, member) => book.get(jobId)?.verdicts.get(member)?.verdictHash,
    getAttestation: (jobId, member) => book.get(jobId)?.attestations.get(member)?.digest,
    hasComplaint: (jobId, member) => book.get(jobId)?.complaints.has(member) ?? false,
    jobForSubmission: (digest) => book.jobForSubmission(digest)
  }
}
