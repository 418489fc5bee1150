import type { JobBook } from './job-book.ts'
import type { ValidationContext } from '../../../protocol/src/index.ts'
import type { Hex } from '../../../protocol/src/messages.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'

export interface ContextOptions {
  chainId: number
  registry: Hex
  clockSkewMs: number
  maxSampleBytes: number
}

/** Adapts the node's live state to the protocol's pure validators, read at validation time. */
export function createValidationContext (opts: ContextOptions, follower: RegistryFollower, book: JobBook, now: () => number): ValidationContext {
  return {
    chainId: opts.chainId,
    registry: opts.registry,
    clockSkewMs: opts.clockSkewMs,
    maxSampleBytes: opts.maxSampleBytes,
    get now () { return now() },
    get followedBlock () { return follower.followedBlock },
    isMemberAt: (address, block) => follower.isMemberAt(address, block),
    membersAt: (block) => follower.membersAt(block),
    getJob: (jobId) => book.job(jobId),
    getCommitment: (jobId, member) => book.get(jobId)?.commitments.get(member)?.commitment.commitment,
    getVerdictHash: (jobId, member) => book.get(jobId)?.verdicts.get(member)?.verdictHash
  }
}
