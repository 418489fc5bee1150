// Sends what a block becomes (guard-indicators.ts) to the network, opt-in (--report-to): one at
// a time in the background, so the user's answer never waits on a node. Rate-limited: at most
// `maxPerHour` submissions in any hour and the same subject again only after `repeatAfterMs`;
// what is over the limit is dropped and counted, never queued without bound. `submit` signs and
// posts (the CLI's signed indicator submission); the reporter never sees a transaction.
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { GuardIndicator } from './guard-indicators.ts'

export const REPORTS_PER_HOUR = 30
export const REPEAT_AFTER_MS = 24 * 3600_000
export const MAX_QUEUE = 64
const HOUR_MS = 3600_000
const SUBMIT_TIMEOUT_MS = 30_000
/** subjects remembered for `repeatAfterMs`; past it the oldest is forgotten */
const MAX_REMEMBERED = 10_000

export type ReportOutcome = 'sent' | 'failed' | 'limited' | 'repeated'

export interface GuardReporterOptions {
  submit(indicator: GuardIndicator, options?: AbortOptions): Promise<void>
  maxPerHour?: number
  repeatAfterMs?: number
  maxQueue?: number
  logger?: Logger
  now?: () => number
}

export interface GuardReporter extends Startable {
  /** queues a block's indicators, as far as the limits allow */
  report(indicators: readonly GuardIndicator[]): Record<'queued' | 'limited' | 'repeated', number>
  /** resolves once everything queued is sent or failed */
  idle(): Promise<void>
  readonly totals: Record<ReportOutcome, number>
}

export function createGuardReporter (options: GuardReporterOptions): GuardReporter {
  const now = options.now ?? Date.now
  const maxPerHour = options.maxPerHour ?? REPORTS_PER_HOUR
  const repeatAfter = options.repeatAfterMs ?? REPEAT_AFTER_MS
  const maxQueue = options.maxQueue ?? MAX_QUEUE
  const totals: Record<ReportOutcome, number> = { sent: 0, failed: 0, limited: 0, repeated: 0 }
  /** when each of the last hour's submissions was queued */
  const window: number[] = []
  const lastQueued = new Map<string, number>()
  const queue: GuardIndicator[] = []
  let draining: Promise<void> = Promise.resolve()
  let running = false
  let stopping = new AbortController()

  const drain = async (): Promise<void> => {
    // stop() empties the queue, which ends this loop
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      try {
        await options.submit(next, { signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(SUBMIT_TIMEOUT_MS)]) })
        totals.sent++
      } catch (err) {
        totals.failed++
        // the subject may be reported again at the next block
        lastQueued.delete(`${next.kind}:${next.subject}`)
        options.logger?.warn({ kind: next.kind, err: (err as Error).message?.slice(0, 200) }, 'guard report not submitted')
      }
    }
  }

  return {
    totals,
    report (indicators) {
      const counts = { queued: 0, limited: 0, repeated: 0 }
      const at = now()
      while (window.length > 0 && (window[0] as number) <= at - HOUR_MS) window.shift()
      for (const indicator of indicators) {
        const key = `${indicator.kind}:${indicator.subject}`
        const last = lastQueued.get(key)
        if (last !== undefined && at - last < repeatAfter) { counts.repeated++; continue }
        if (!running || window.length >= maxPerHour || queue.length >= maxQueue) { counts.limited++; continue }
        window.push(at)
        lastQueued.delete(key)
        lastQueued.set(key, at)
        if (lastQueued.size > MAX_REMEMBERED) lastQueued.delete(lastQueued.keys().next().value as string)
        queue.push(indicator)
        counts.queued++
      }
      totals.limited += counts.limited
      totals.repeated += counts.repeated
      if (counts.queued > 0) draining = draining.then(drain)
      return counts
    },
    idle: async () => { await draining },
    start () {
      running = true
      stopping = new AbortController()
    },
    async stop () {
      running = false
      queue.length = 0
      stopping.abort()
      await draining
    }
  }
}
