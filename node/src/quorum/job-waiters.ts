import type { Hex } from '#protocol/messages.ts'
import type { AbortOptions } from '@libp2p/interface'

/** how often a waiting message is validated again without news of its job: reveal windows open with time, not with messages */
const RETRY_MS = 500

export interface JobWaiters {
  /** resolves when the job changes (it arrives, a commitment is added) or after a short while; rejects when `signal` aborts */
  changed(jobId: Hex, options: AbortOptions): Promise<void>
  /** the job arrived or changed: every message waiting on it is validated again */
  notify(jobId: Hex): void
}

/**
 * What a relay's gossip validation waits on when a message outran what it needs (SPEC section 6: its
 * job, the commitment a reveal opens, the reveal window). How many wait is bounded by gossip
 * (pending-validations.ts), so this only keeps their wake-ups, per job.
 */
export function createJobWaiters (): JobWaiters {
  const waiting = new Map<Hex, Set<() => void>>()

  return {
    async changed (jobId, options) {
      options.signal?.throwIfAborted()
      const { promise, resolve, reject } = Promise.withResolvers<void>()
      const wake = (): void => { resolve() }
      const onAbort = (): void => { reject(options.signal?.reason) }
      const timer = setTimeout(wake, RETRY_MS)
      let set = waiting.get(jobId)
      if (set === undefined) waiting.set(jobId, set = new Set())
      set.add(wake)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      try {
        await promise
      } finally {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        set.delete(wake)
        if (set.size === 0 && waiting.get(jobId) === set) waiting.delete(jobId)
      }
    },
    notify (jobId) {
      const set = waiting.get(jobId)
      if (set === undefined) return
      for (const wake of set) wake()
    }
  }
}
