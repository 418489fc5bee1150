// Sends what a block becomes (guard-indicators.ts) to the network, opt-in (--report-to): one at
// a time in the background, so the user's answer never waits on a node. Rate-limited: at most
// `maxPerHour` submissions in any hour and the same subject again only after `repeatAfterMs`;
// what is over the limit is dropped and counted, never queued without bound. `submit` signs and
// posts (the CLI's signed indicator submission), `upload` a page script's body as a signed file;
// the reporter never sees a transaction.
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

/** a page script's body, for members' YARA rules (the network's POST /api/v3/files) */
export interface ScriptUpload { sha256: string, bytes: Uint8Array, context: string }

type Item = { kind: 'indicator', indicator: GuardIndicator } | { kind: 'script', script: ScriptUpload }

export interface GuardReporterOptions {
  submit(indicator: GuardIndicator, options?: AbortOptions): Promise<void>
  /** uploads a script's body signed as a file submission; without it scripts are only named */
  upload?(script: ScriptUpload, options?: AbortOptions): Promise<void>
  maxPerHour?: number
  repeatAfterMs?: number
  maxQueue?: number
  logger?: Logger
  now?: () => number
}

export interface GuardReporter extends Startable {
  /** queues a block's indicators, as far as the limits allow */
  report(indicators: readonly GuardIndicator[]): Record<'queued' | 'limited' | 'repeated', number>
  /** queues a script body under the same limits; false when there is no uploader or it is over them */
  uploadScript(script: ScriptUpload): boolean
  /** whether script bodies are uploaded at all */
  readonly uploads: boolean
  /** resolves once everything queued is sent or failed */
  idle(): Promise<void>
  readonly totals: Record<ReportOutcome, number>
}

const keyOf = (item: Item): string => item.kind === 'indicator' ? `${item.indicator.kind}:${item.indicator.subject}` : `file:${item.script.sha256}`

export function createGuardReporter (options: GuardReporterOptions): GuardReporter {
  const now = options.now ?? Date.now
  const maxPerHour = options.maxPerHour ?? REPORTS_PER_HOUR
  const repeatAfter = options.repeatAfterMs ?? REPEAT_AFTER_MS
  const maxQueue = options.maxQueue ?? MAX_QUEUE
  const totals: Record<ReportOutcome, number> = { sent: 0, failed: 0, limited: 0, repeated: 0 }
  /** when each of the last hour's submissions was queued */
  const window: number[] = []
  const lastQueued = new Map<string, number>()
  const queue: Item[] = []
  let draining: Promise<void> = Promise.resolve()
  let running = false
  let stopping = new AbortController()

  const drain = async (): Promise<void> => {
    // stop() empties the queue, which ends this loop
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(SUBMIT_TIMEOUT_MS)])
      try {
        if (next.kind === 'indicator') await options.submit(next.indicator, { signal })
        else await options.upload?.(next.script, { signal })
        totals.sent++
      } catch (err) {
        totals.failed++
        // the subject may be reported again at the next block
        lastQueued.delete(keyOf(next))
        options.logger?.warn({ kind: next.kind === 'indicator' ? next.indicator.kind : 'file', err: (err as Error).message?.slice(0, 200) }, 'guard report not submitted')
      }
    }
  }

  /** one item through the limits: queued, or why not */
  const enqueue = (item: Item): 'queued' | 'limited' | 'repeated' => {
    const at = now()
    while (window.length > 0 && (window[0] as number) <= at - HOUR_MS) window.shift()
    const key = keyOf(item)
    const last = lastQueued.get(key)
    if (last !== undefined && at - last < repeatAfter) { totals.repeated++; return 'repeated' }
    if (!running || window.length >= maxPerHour || queue.length >= maxQueue) { totals.limited++; return 'limited' }
    window.push(at)
    lastQueued.delete(key)
    lastQueued.set(key, at)
    if (lastQueued.size > MAX_REMEMBERED) lastQueued.delete(lastQueued.keys().next().value as string)
    queue.push(item)
    draining = draining.then(drain)
    return 'queued'
  }

  return {
    totals,
    uploads: options.upload !== undefined,
    report (indicators) {
      const counts = { queued: 0, limited: 0, repeated: 0 }
      for (const indicator of indicators) counts[enqueue({ kind: 'indicator', indicator })]++
      return counts
    },
    uploadScript: (script) => options.upload !== undefined && enqueue({ kind: 'script', script }) === 'queued',
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
