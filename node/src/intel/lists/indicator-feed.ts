import type { Logger } from 'pino'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { IntelMetrics } from '../../metrics/registry.ts'
import { countEntries, diffEntries, emptyEntries, parseIndicatorList } from './indicator-list.ts'
import type { IndicatorEntries } from './indicator-list.ts'
import { readListSource } from './list-source.ts'
import type { ListSourceErrorCode, SourceValidators } from './list-source.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface IndicatorFeedConfig {
  /** short name: the metrics label and the detection label `operator-list:<name>` */
  name: string
  /** a file path or an http(s) URL */
  source: string
  /** the kind of every unprefixed line; absent: inferred per line (indicator-list.ts) */
  kind?: IndicatorKind
  /** seconds between refreshes */
  refreshSeconds: number
  /** the largest list accepted (default 64 MiB) */
  maxBytes?: number
  /** per read (default 30 s) */
  timeoutMs?: number
}

export type RefreshOutcome =
  | { result: 'changed', entries: number, added: number, removed: number, bad: number }
  | { result: 'unchanged' }
  | { result: 'error', code: ListSourceErrorCode | 'SOURCE_UNKNOWN', message: string }

export interface IndicatorFeed {
  readonly name: string
  /** the current list; an empty one until the first good read */
  readonly entries: IndicatorEntries
  readonly size: number
  /** when the list last changed (ms), 0 before the first good read */
  readonly changedAt: number
  has(kind: IndicatorKind, key: string): boolean
  /** reads the source once; a failed read keeps the list it had */
  refresh(options?: AbortOptions): Promise<RefreshOutcome>
  /** first read, then a refresh every refreshSeconds; shared: each start() needs its stop() */
  start(options?: AbortOptions): Promise<void>
  stop(): Promise<void>
}

export const DEFAULT_FEED_MAX_BYTES = 64 * 1024 * 1024
const DEFAULT_TIMEOUT_MS = 30_000

export interface IndicatorFeedComponents {
  logger: Logger
  metrics?: IntelMetrics
}

/**
 * An operator's indicator list, kept fresh at run time. A refresh that fails (source down,
 * oversize, not text) keeps the old list and is retried at the next interval; one that changes
 * the list logs the diff. The feed is shared by the engines that use it: the timer runs while
 * any of them has it started.
 */
export function createIndicatorFeed (config: IndicatorFeedConfig, components: IndicatorFeedComponents): IndicatorFeed {
  const { logger, metrics } = components
  const log = logger.child({ feed: config.name })
  let entries: IndicatorEntries = emptyEntries()
  let size = 0
  let changedAt = 0
  let validators: SourceValidators = {}
  let users = 0
  let timer: NodeJS.Timeout | undefined
  let running: AbortController | undefined
  let inflight: Promise<RefreshOutcome> | undefined
  /** the first read of the current run: a second user's start() waits for it too */
  let ready: Promise<void> = Promise.resolve()

  const count = (result: RefreshOutcome['result']): void => { metrics?.feedRefreshes.inc({ feed: config.name, result }) }

  async function read ({ signal }: AbortOptions = {}): Promise<RefreshOutcome> {
    let outcome: RefreshOutcome
    try {
      const got = await readListSource(config.source, validators, {
        maxBytes: config.maxBytes ?? DEFAULT_FEED_MAX_BYTES, timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal
      })
      if (!got.changed) {
        outcome = { result: 'unchanged' }
      } else {
        const parsed = parseIndicatorList(got.text, { kind: config.kind })
        const diff = diffEntries(entries, parsed.entries)
        entries = parsed.entries
        size = countEntries(entries)
        validators = got.validators
        changedAt = Date.now()
        metrics?.feedEntries.set({ feed: config.name }, size)
        if (parsed.bad > 0) log.warn({ bad: parsed.bad, lines: parsed.lines, examples: parsed.badExamples }, 'indicator feed: lines skipped')
        log.info({ entries: size, ...diff }, 'indicator feed refreshed')
        outcome = { result: 'changed', entries: size, added: diff.added, removed: diff.removed, bad: parsed.bad }
      }
    } catch (err) {
      const code = (err as { code?: unknown }).code
      outcome = {
        result: 'error',
        code: typeof code === 'string' && code.startsWith('SOURCE_') ? code as ListSourceErrorCode : 'SOURCE_UNKNOWN',
        message: (err as Error).message
      }
      log.warn({ code: outcome.code, err: outcome.message, entries: size }, 'indicator feed refresh failed: keeping the list it had')
    }
    count(outcome.result)
    return outcome
  }

  /** one read at a time: a slow source never piles up concurrent reads */
  async function refresh (options: AbortOptions = {}): Promise<RefreshOutcome> {
    inflight ??= read({ signal: options.signal }).finally(() => { inflight = undefined })
    return await inflight
  }

  function schedule (): void {
    const handle = setTimeout(() => {
      // a stop() (and maybe a new start()) while this refresh ran owns the timer now
      void refresh({ signal: running?.signal }).finally(() => { if (users > 0 && timer === handle) schedule() })
    }, config.refreshSeconds * 1000)
    handle.unref()
    timer = handle
  }

  return {
    name: config.name,
    get entries () { return entries },
    get size () { return size },
    get changedAt () { return changedAt },
    has (kind, key) { return entries.get(kind)?.has(key) === true },
    refresh,
    async start (options = {}) {
      users++
      if (users > 1) {
        await ready
        return
      }
      running = new AbortController()
      ready = refresh({ signal: options.signal === undefined ? running.signal : AbortSignal.any([options.signal, running.signal]) }).then(() => {})
      await ready
      if (users > 0 && timer === undefined) schedule()
    },
    async stop () {
      if (users === 0) return
      users--
      if (users > 0) return
      clearTimeout(timer)
      timer = undefined
      running?.abort(new Error('feed stopped'))
      running = undefined
      await inflight?.catch(() => {})
    }
  }
}
