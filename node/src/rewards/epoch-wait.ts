/**
 * How a member's rewards epoch waits for inputs it cannot compute from yet (SPEC 17, "Reports fetched from
 * peers"), and how that wait ends. An epoch waiting for an anchored list or reports that only peers can supply
 * (UNMATCHED, MISSING_REPORTS) would otherwise wait silently for ever when no connected peer holds them. It is
 * declared unreconciled once it has waited `afterMs` on this member's clock (not at once when the chain already
 * holds a root for it: a member catching up after a restart fetches what it missed within a few passes): logged
 * once with its reason, the jobs missing and whether the quorum went on without this member, counted, and
 * shown in the gauge until it is computed. Nothing is signed meanwhile (this member's
 * state after the epoch is unknown); the report fetch keeps asking at its backoff, and the epoch is computed
 * as soon as the inputs arrive. An epoch that waits for the chain (ANCHOR_OPEN) ends by the chain's progress.
 */
import type { Logger } from 'pino'
import type { RewardsMetrics } from '../metrics/registry.ts'
import type { EpochInputs, InputsWait } from './epoch-inputs.ts'

export interface EpochWaitOptions {
  /** how long an epoch waits for peers' inputs before it is declared unreconciled (SPEC 17: 15 min) */
  afterMs: number
}

export interface EpochWaitComponents {
  logger: Logger
  metrics?: Pick<RewardsMetrics, 'unreconciled' | 'unreconciledEpoch'>
  now: () => number
}

export interface EpochWait {
  /** `epoch` could not be computed at this pass; `posted`: the chain holds a root for it or a later epoch (logged) */
  waiting(epoch: number, why: Extract<EpochInputs, { ready: false }>, posted: boolean): void
  /** `epoch` was computed: every wait up to it is over */
  computed(epoch: number): void
  /** the waits of epochs from `epoch` on are forgotten (a reorg: they are computed again) */
  forgetFrom(epoch: number): void
}

/** the waits only peers can end: the anchored list, or reports listed in it */
const PEERS_OWE: readonly InputsWait[] = ['UNMATCHED', 'MISSING_REPORTS']

export const DEFAULT_UNRECONCILED_AFTER_MS = 15 * 60_000

export function createEpochWait (opts: EpochWaitOptions, c: EpochWaitComponents): EpochWait {
  const { logger, metrics, now } = c
  /** per waiting epoch: since when (this member's clock), the reason last logged, and whether declared unreconciled */
  const waits = new Map<number, { since: number, logged: string, unreconciled: boolean }>()
  metrics?.unreconciledEpoch.set(-1)

  const showOldest = (): void => {
    const oldest = [...waits].filter(([, w]) => w.unreconciled).map(([e]) => e).toSorted((a, b) => a - b)[0]
    metrics?.unreconciledEpoch.set(oldest ?? -1)
  }

  return {
    waiting (epoch, why, posted) {
      const wait = waits.get(epoch) ?? { since: now(), logged: '', unreconciled: false }
      waits.set(epoch, wait)
      const logged = `${why.reason}/${why.epoch}`
      if (wait.logged !== logged) logger.info({ epoch, waitingFor: why.epoch, reason: why.reason, missing: why.missing?.slice(0, 8) }, 'rewards epoch waits for its reports to be final here')
      wait.logged = logged
      if (wait.unreconciled || !PEERS_OWE.includes(why.reason) || now() - wait.since < opts.afterMs) return
      wait.unreconciled = true
      metrics?.unreconciled.inc({ reason: why.reason })
      showOldest()
      logger.warn({
        epoch, waitingFor: why.epoch, reason: why.reason, missing: why.missing?.slice(0, 8), waitedMs: now() - wait.since, postedOnChain: posted
      }, 'rewards epoch unreconciled: no connected peer served the anchored list or reports it reads; not signed, fetched again at a backoff')
    },
    computed (epoch) {
      for (const [e, wait] of waits) {
        if (e > epoch) continue
        if (wait.unreconciled) logger.info({ epoch: e, waitedMs: now() - wait.since }, 'unreconciled rewards epoch computed: its inputs arrived')
        waits.delete(e)
      }
      showOldest()
    },
    forgetFrom (epoch) {
      for (const e of waits.keys()) if (e >= epoch) waits.delete(e)
      showOldest()
    }
  }
}
