import { recoverScanJobSigner, windowsWithinBounds } from '#protocol/index.ts'
import { boundsAt } from './validation-context.ts'
import type { Hex, SignedScanJob } from '#protocol/messages.ts'
import type { ValidationContext } from '#protocol/validation.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { Logger } from 'pino'

/** jobs held for a membership block not yet followed: in all, per sending peer, and how far ahead */
const MAX_DEFERRED_JOBS = 256
const MAX_DEFERRED_PER_PEER = 16
const MAX_BLOCKS_AHEAD = 16

export interface JobDeferral {
  /** holds a job whose membership block this node has not followed yet; false when it is not held */
  defer(msg: SignedScanJob, from: string): boolean
  readonly size: number
}

export interface JobDeferralComponents {
  follower: Pick<RegistryFollower, 'followedBlock' | 'waitFor' | 'isMemberAt' | 'parameterAt'>
  ctx: Pick<ValidationContext, 'chainId' | 'registry'>
  logger: Logger
  now: () => number
  signal: AbortSignal
  /** validates the job again and takes it */
  accept: (msg: SignedScanJob) => void
}

/**
 * Nodes poll the chain independently, so a job may name a block this node has not followed yet;
 * dropping it would lose this member's verdict. Only a job that could be honest is held: its
 * windows are within today's bounds, its signature recovers to its origin and the origin is a
 * member now. Holding is bounded per peer and in all, and the wait ends at the commit deadline at
 * the latest (never a timer past the bounds), so no peer can fill or jam the queue.
 */
export function createJobDeferral (c: JobDeferralComponents): JobDeferral {
  const perPeer = new Map<string, number>()
  let total = 0

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
    get size () { return total },
    defer (msg, from) {
      const held = perPeer.get(from) ?? 0
      if (total >= MAX_DEFERRED_JOBS || held >= MAX_DEFERRED_PER_PEER || !plausible(msg)) return false
      const wait = msg.job.commitDeadline - c.now()
      if (wait <= 0) return false
      total++
      perPeer.set(from, held + 1)
      const signal = AbortSignal.any([c.signal, AbortSignal.timeout(wait)])
      c.follower.waitFor(msg.job.membershipBlock, { signal })
        .then(() => { c.accept(msg) })
        .catch((err: unknown) => { c.logger.debug({ err, block: msg.job.membershipBlock }, 'deferred job dropped') })
        .finally(() => {
          total--
          const left = (perPeer.get(from) ?? 1) - 1
          if (left <= 0) perPeer.delete(from)
          else perPeer.set(from, left)
        })
      return true
    }
  }
}
