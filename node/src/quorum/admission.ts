import { NetworkBusyError } from './errors.ts'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Admission of an origin's own jobs (SPEC section 10): at most `limit` open at once. A slot is
 * taken when a job is published and given back when it ends (final or failed), not when a request
 * returns, so the load members see is bounded whatever arrives at the API. Waiters queue in order
 * and leave the queue when their signal aborts.
 */
export interface Admission {
  readonly open: number
  readonly waiting: number
  /** waits for a slot; NetworkBusyError when `signal` aborts first */
  acquire(options?: AbortOptions): Promise<void>
  /** takes a slot without waiting (a retry of a job that held none, e.g. one ended on restart) */
  take(): void
  /**
   * takes a slot only if one is free now, nobody waits, and `reserve` more stay free after it:
   * work the node starts by itself (a URL's domain) never queues ahead of a submission or fills
   * the slots submissions need
   */
  tryAcquire(reserve: number): boolean
  release(): void
}

export function createAdmission (limit: number): Admission {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`maxActiveJobs must be a positive integer, got ${limit}`)
  let open = 0
  const queue: Array<() => void> = []
  return {
    get open () { return open },
    get waiting () { return queue.length },
    async acquire (options = {}) {
      const { signal } = options
      if (signal?.aborted === true) throw new NetworkBusyError(open, { cause: signal.reason })
      if (open < limit) { open++; return }
      await new Promise<void>((resolve, reject) => {
        const grant = (): void => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
        const onAbort = (): void => {
          const i = queue.indexOf(grant)
          if (i !== -1) queue.splice(i, 1)
          reject(new NetworkBusyError(open, { cause: signal?.reason }))
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        queue.push(grant)
      })
    },
    take () { open++ },
    tryAcquire (reserve) {
      if (queue.length > 0 || open + 1 + Math.max(0, reserve) > limit) return false
      open++
      return true
    },
    release () {
      // above the limit (slots taken without waiting), a freed slot is not passed on
      const next = open > limit ? undefined : queue.shift()
      if (next === undefined) open = Math.max(0, open - 1)
      else next()
    }
  }
}
