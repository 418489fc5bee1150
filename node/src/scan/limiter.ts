import { availableParallelism } from 'node:os'
import type { AbortOptions } from '@libp2p/interface'

/**
 * A counting semaphore for engine scans: at most `limit` run at once, the rest wait in FIFO order.
 * A waiter whose signal aborts leaves the queue (rejecting with the signal's reason) and never
 * takes a slot, so a cancelled job cannot leak capacity.
 */
export interface Limiter {
  readonly limit: number
  /** scans running now */
  readonly active: number
  /** scans waiting for a slot */
  readonly pending: number
  run<T>(task: () => Promise<T>, options?: AbortOptions): Promise<T>
}

export function createLimiter (limit: number): Limiter {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`)
  let active = 0
  const queue: Array<{ grant: () => void }> = []

  const release = (): void => {
    const next = queue.shift()
    if (next === undefined) active--
    else next.grant()
  }

  async function acquire ({ signal }: AbortOptions = {}): Promise<void> {
    signal?.throwIfAborted()
    if (active < limit) { active++; return }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
      }
      const onAbort = (): void => {
        const i = queue.indexOf(waiter)
        if (i !== -1) queue.splice(i, 1)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      queue.push(waiter)
    })
  }

  return {
    limit,
    get active () { return active },
    get pending () { return queue.length },
    async run (task, options = {}) {
      await acquire({ signal: options.signal })
      try {
        return await task()
      } finally {
        release()
      }
    }
  }
}

/**
 * The node-wide cap on engine scans running at once (runEngines takes a slot per engine scan);
 * each engine also bounds itself (its worker pool or its clamd connections).
 */
export const engineScanLimiter: Limiter = createLimiter(Math.max(2, availableParallelism()))
