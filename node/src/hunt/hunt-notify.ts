/**
 * A member's match notifications (SPEC 19): signed, stored in the vendor's sequence before anyone sees
 * them, then handed to the vendor's live subscribers (the SSE streams). A subscriber that throws is dropped.
 */
import type { Signer } from 'ethers'
import type { Logger } from 'pino'
import { signHuntMatch } from '#protocol/hunt/match.ts'
import type { HuntMatch } from '#protocol/hunt/match.ts'
import type { Hex } from '#protocol/messages.ts'
import type { HuntRepository, StoredHuntMatch } from '../db/hunt-repository.ts'

export type MatchListener = (stored: StoredHuntMatch) => void

export interface HuntNotifier {
  notify(vendor: Hex, match: HuntMatch): Promise<StoredHuntMatch>
  subscribe(vendor: Hex, listener: MatchListener): () => void
  subscribers(vendor: Hex): number
}

export function createHuntNotifier (opts: { chainId: number, registry: Hex }, c: { operator: Signer, hunts: HuntRepository, logger: Logger }): HuntNotifier {
  const listeners = new Map<Hex, Set<MatchListener>>()
  return {
    async notify (vendor, match) {
      const stored = await c.hunts.addMatch(vendor, await signHuntMatch(match, opts.chainId, opts.registry, c.operator))
      for (const listener of listeners.get(vendor) ?? []) {
        try {
          listener(stored)
        } catch (err) {
          listeners.get(vendor)?.delete(listener)
          c.logger.debug({ err, vendor }, 'hunt subscriber dropped')
        }
      }
      return stored
    },
    subscribe (vendor, listener) {
      const set = listeners.get(vendor) ?? new Set()
      set.add(listener)
      listeners.set(vendor, set)
      return () => {
        set.delete(listener)
        if (set.size === 0 && listeners.get(vendor) === set) listeners.delete(vendor)
      }
    },
    subscribers: (vendor) => listeners.get(vendor)?.size ?? 0
  }
}
