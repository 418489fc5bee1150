import { recoverScanJobSigner, windowsWithinBounds } from '#protocol/index.ts'
import { boundsAt } from './validation-context.ts'
import type { Hex, SignedScanJob } from '#protocol/messages.ts'
import type { ValidationContext } from '#protocol/validation.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { AbortOptions } from '@libp2p/interface'

/** how far ahead of the followed block a job may name its membership block and still be waited for */
const MAX_BLOCKS_AHEAD = 16

export interface JobDeferral {
  /**
   * Waits until this node has followed the job's membership block, so that gossip can validate the job
   * again and forward it: true then; false at once for a job that could not be honest, and false at
   * its commit deadline or when `signal` aborts (gossip's bound on waiting validations).
   */
  untilFollowed(msg: SignedScanJob, options: AbortOptions): Promise<boolean>
}

export interface JobDeferralComponents {
  follower: Pick<RegistryFollower, 'followedBlock' | 'waitFor' | 'isMemberAt' | 'parameterAt'>
  ctx: Pick<ValidationContext, 'chainId' | 'registry'>
  now: () => number
}

/**
 * Nodes poll the chain independently, so a job may name a block this node has not followed yet;
 * dropping it would lose this member's verdict, and, since gossipsub forwards only what a node
 * accepts, every member behind this one. Only a job that could be honest is waited for: its windows
 * are within today's bounds, its signature recovers to its origin and the origin is a member now.
 * The wait ends at the commit deadline at the latest (never a timer past the bounds); how many
 * wait at once, per peer and in all, is bounded by gossip (pending-validations.ts).
 */
export function createJobDeferral (c: JobDeferralComponents): JobDeferral {
  function plausible (msg: SignedScanJob): boolean {
    const { job } = msg
    if (job.membershipBlock > c.follower.followedBlock + MAX_BLOCKS_AHEAD) return false
    const bounds = boundsAt(c.follower, c.follower.followedBlock)
    if (!windowsWithinBounds(job, bounds)) return false
    // stamped ahead of this clock (validation ignores it): its deadline, and so the wait, would be unbounded
    if (job.createdAt > c.now() + bounds.clockSkewMs) return false
    let origin: Hex
    try {
      origin = recoverScanJobSigner(msg, c.ctx.chainId, c.ctx.registry)
    } catch {
      return false
    }
    return origin === job.origin && c.follower.isMemberAt(origin, c.follower.followedBlock)
  }

  return {
    async untilFollowed (msg, options) {
      const wait = msg.job.commitDeadline - c.now()
      if (wait <= 0 || options.signal?.aborted === true || !plausible(msg)) return false
      const signals = [AbortSignal.timeout(wait), ...(options.signal === undefined ? [] : [options.signal])]
      return await c.follower.waitFor(msg.job.membershipBlock, { signal: AbortSignal.any(signals) }).then(() => true, () => false)
    }
  }
}
