import { Counter, Gauge } from 'prom-client'
import { ApiError } from '../vt/errors.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Registry } from 'prom-client'

export interface UploadSlots {
  /**
   * Takes a slot for one upload or rescan by `keyId` (undefined on a node that takes no keys: only
   * the node's cap applies). When the caps are full the request waits its turn, in order, for up to
   * `waitMs`; it is refused with 429 TooManyRequestsError when that runs out, or at once when too many
   * already wait. Returns the release, which is safe to call more than once.
   */
  acquire(keyId: string | undefined, options?: AbortOptions): Promise<() => void>
}

export interface UploadSlotLimits {
  perKey: number
  perNode: number
  /** how long a request waits for a slot; 0 refuses at once */
  waitMs: number
  /** requests waiting at once, all keys together, and for one key */
  maxWaiting: number
  maxWaitingPerKey: number
}

interface Waiter {
  keyId: string | undefined
  grant: (release: () => void) => void
}

/**
 * Caps on concurrent uploads per API key and per node: each one holds a spool and, while it is
 * stored, sealed blocks, so the caps bound what uploads can take of the node's memory and disk.
 * A request over a cap waits with its body unread (the socket's own buffers hold it), so a client
 * sending many uploads at once is served as fast as the node stores them, with no 429 and back-off
 * gap between them; the waiting lines are bounded, and so is the wait.
 */
export function createUploadSlots (limits: UploadSlotLimits, registry: Registry): UploadSlots {
  const byKey = new Map<string, number>()
  const queue: Waiter[] = []
  let total = 0
  const inFlight = new Gauge({ name: 'virusmap_api_uploads_in_flight', help: 'uploads and rescans being received or stored now', registers: [registry] })
  const waiting = new Gauge({ name: 'virusmap_api_uploads_waiting', help: 'uploads and rescans waiting for a slot', registers: [registry] })
  const refused = new Counter({ name: 'virusmap_api_uploads_refused_total', help: 'uploads and rescans refused with 429, by the cap they hit (wait: none freed in time)', labelNames: ['limit'], registers: [registry] })

  const fits = (keyId: string | undefined): boolean => total < limits.perNode && (keyId === undefined || (byKey.get(keyId) ?? 0) < limits.perKey)

  function take (keyId: string | undefined): () => void {
    total++
    if (keyId !== undefined) byKey.set(keyId, (byKey.get(keyId) ?? 0) + 1)
    inFlight.set(total)
    let released = false
    return () => {
      if (released) return
      released = true
      total--
      if (keyId !== undefined) {
        const left = (byKey.get(keyId) ?? 1) - 1
        if (left === 0) byKey.delete(keyId)
        else byKey.set(keyId, left)
      }
      inFlight.set(total)
      dispatch()
    }
  }

  /** the first waiters in line that fit get the freed slots; one held back by its key's cap does not hold up other keys */
  function dispatch (): void {
    for (let i = 0; i < queue.length && total < limits.perNode;) {
      const waiter = queue[i] as Waiter
      if (!fits(waiter.keyId)) { i++; continue }
      queue.splice(i, 1)
      waiter.grant(take(waiter.keyId))
    }
    waiting.set(queue.length)
  }

  function refuse (limit: 'key' | 'node' | 'wait', message: string): never {
    refused.inc({ limit })
    throw new ApiError('TooManyRequestsError', message)
  }

  const capMessage = (limit: 'key' | 'node'): string => limit === 'key'
    ? `too many uploads in flight for this API key (at most ${limits.perKey}); retry when one finishes`
    : 'this node is taking as many uploads as it can; retry later'

  return {
    async acquire (keyId, options = {}) {
      options.signal?.throwIfAborted()
      if (fits(keyId)) return take(keyId)
      const limit = total >= limits.perNode ? 'node' : 'key'
      const sameKey = queue.filter((w) => w.keyId === keyId).length
      if (limits.waitMs <= 0 || queue.length >= limits.maxWaiting || sameKey >= limits.maxWaitingPerKey) refuse(limit, capMessage(limit))
      return await new Promise<() => void>((resolve, reject) => {
        const leave = (): void => {
          const i = queue.indexOf(waiter)
          if (i !== -1) queue.splice(i, 1)
          waiting.set(queue.length)
          clearTimeout(timer)
          options.signal?.removeEventListener('abort', onAbort)
        }
        const onAbort = (): void => { leave(); reject(options.signal?.reason) }
        const waiter: Waiter = { keyId, grant: (release) => { leave(); resolve(release) } }
        const timer = setTimeout(() => {
          leave()
          try { refuse('wait', `no upload slot freed within ${Math.round(limits.waitMs / 1000)} s (${capMessage(limit)})`) } catch (err) { reject(err) }
        }, limits.waitMs)
        options.signal?.addEventListener('abort', onAbort, { once: true })
        queue.push(waiter)
        waiting.set(queue.length)
      })
    }
  }
}
