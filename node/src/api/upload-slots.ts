import { Counter, Gauge } from 'prom-client'
import { ApiError } from './errors.ts'
import type { Registry } from 'prom-client'

export interface UploadSlots {
  /**
   * Takes a slot for one upload or rescan by `keyId` (undefined on a node that takes no keys: only
   * the node's cap applies), or throws 429 TooManyRequestsError when none is free. Returns the
   * release, which is safe to call more than once.
   */
  acquire(keyId: string | undefined): () => void
}

/**
 * Caps on concurrent uploads per API key and per node: each one holds a spool and, while it is
 * stored, sealed blocks, so the caps bound what uploads can take of the node's memory and disk.
 */
export function createUploadSlots (limits: { perKey: number, perNode: number }, registry: Registry): UploadSlots {
  const byKey = new Map<string, number>()
  let total = 0
  const inFlight = new Gauge({ name: 'virusmap_api_uploads_in_flight', help: 'uploads and rescans being received or stored now', registers: [registry] })
  const refused = new Counter({ name: 'virusmap_api_uploads_refused_total', help: 'uploads and rescans refused with 429, by the cap they hit', labelNames: ['limit'], registers: [registry] })

  return {
    acquire (keyId) {
      const held = keyId === undefined ? 0 : byKey.get(keyId) ?? 0
      if (keyId !== undefined && held >= limits.perKey) {
        refused.inc({ limit: 'key' })
        throw new ApiError('TooManyRequestsError', `too many uploads in flight for this API key (at most ${limits.perKey}); retry when one finishes`)
      }
      if (total >= limits.perNode) {
        refused.inc({ limit: 'node' })
        throw new ApiError('TooManyRequestsError', 'this node is taking as many uploads as it can; retry later')
      }
      total++
      if (keyId !== undefined) byKey.set(keyId, held + 1)
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
      }
    }
  }
}
