// The guard's mirror of the network's malicious subjects (issue 15): pulls a supernode's
// /api/virusmap/malicious feed and lists a subject only once the light client has verified its
// report against the chain (members, quorum, signatures), so a lying node can add nothing.
// Reports that fail are dropped and counted.
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Hex, IndicatorKind, Report } from '../../../protocol/src/messages.ts'
import { verifyReportWith, type ChainReader } from '../light-client/index.ts'
import { GuardError } from './guard-error.ts'
import { isObject } from './input.ts'
import type { GuardStoreData } from './store.ts'

export const MIRROR_INTERVAL_MS = 5 * 60_000
/** pages read per pull; the rest waits for the next pull */
export const MAX_PAGES_PER_PULL = 20
/** one feed page as JSON: 100 reports of a few KiB each */
export const MAX_PAGE_BYTES = 8 * 1024 * 1024
const PAGE_LIMIT = 100
const PAGE_TIMEOUT_MS = 30_000

export type DropReason = 'malformed' | 'unverified' | 'not-malicious' | 'unsupported-kind'

export interface MirrorPull {
  added: number
  dropped: Record<DropReason, number>
  pages: number
  cursor: string | undefined
}

export interface GuardMirrorOptions {
  /** the supernode's API base, e.g. http://127.0.0.1:8080 */
  url: string
  apiKey?: string
  /** the deployment's chain as the light client reads it */
  chain: ChainReader
  expected: { registry: Hex, chainId: number }
  /** the live store the guard reads: subjects are added to its malicious sets, the cursor kept in it */
  store: GuardStoreData
  /** after a pull changed the store (e.g. save it) */
  onChange?: (options?: AbortOptions) => Promise<void>
  intervalMs?: number
  maxPagesPerPull?: number
  logger?: Logger
  /** the light client's clock (tests pin it) */
  now?: () => number
}

export interface GuardMirror extends Startable {
  pull(options?: AbortOptions): Promise<MirrorPull>
  /** totals since start */
  readonly totals: { added: number, dropped: Record<DropReason, number> }
}

const noDrops = (): Record<DropReason, number> => ({ malformed: 0, unverified: 0, 'not-malicious': 0, 'unsupported-kind': 0 })

/** where a verified subject goes in the guard's lists; undefined for kinds the guard does not match */
function listEntry (kind: IndicatorKind, subject: string): { set: 'addresses' | 'domains' | 'scriptHashes', value: string } | undefined {
  if (kind === 'wallet') {
    // CAIP-10 eip155:<chain>:<address>; the guard matches the address on every chain
    const address = /^eip155:[0-9]+:(0x[0-9a-f]{40})$/.exec(subject)?.[1]
    return address === undefined ? undefined : { set: 'addresses', value: address }
  }
  if (kind === 'domain') return { set: 'domains', value: subject }
  if (kind === 'script' && /^[0-9a-f]{64}$/.test(subject)) return { set: 'scriptHashes', value: subject }
  return undefined
}

async function readBounded (res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > maxBytes) throw new GuardError('OVERSIZE', `the feed page is larger than ${maxBytes} bytes`)
  const chunks: Uint8Array[] = []
  let size = 0
  if (res.body === null) return ''
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > maxBytes) throw new GuardError('OVERSIZE', `the feed page is larger than ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function createGuardMirror (options: GuardMirrorOptions): GuardMirror {
  const totals = { added: 0, dropped: noDrops() }
  const maxPages = options.maxPagesPerPull ?? MAX_PAGES_PER_PULL
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()
  let stopping: AbortController | undefined

  const page = async (cursor: string | undefined, signal: AbortSignal): Promise<{ data: unknown[], cursor: string | undefined, more: boolean }> => {
    const url = new URL('/api/virusmap/malicious', options.url)
    url.searchParams.set('limit', String(PAGE_LIMIT))
    if (cursor !== undefined) url.searchParams.set('cursor', cursor)
    const res = await fetch(url, { headers: { accept: 'application/json', ...options.apiKey !== undefined ? { 'x-apikey': options.apiKey } : {} }, signal: AbortSignal.any([signal, AbortSignal.timeout(PAGE_TIMEOUT_MS)]) })
    const text = await readBounded(res, MAX_PAGE_BYTES)
    if (!res.ok) throw new GuardError('RPC_FAILED', `the feed answered ${res.status}: ${text.slice(0, 200)}`)
    let json: unknown
    try { json = JSON.parse(text) } catch { throw new GuardError('BAD_JSON', 'the feed page is not JSON') }
    if (!isObject(json) || !Array.isArray(json.data) || !isObject(json.meta)) throw new GuardError('BAD_TYPE', 'the feed page is not {data, meta}')
    const next = json.meta.cursor
    if (next !== undefined && (typeof next !== 'string' || next.length > 200)) throw new GuardError('BAD_TYPE', 'the feed cursor is not a short string')
    return { data: json.data, cursor: next ?? cursor, more: json.meta.more === true }
  }

  /** one feed entry: verified and added, or the reason it was dropped */
  const take = async (entry: unknown, signal: AbortSignal): Promise<DropReason | 'added' | 'known'> => {
    const a = isObject(entry) && isObject(entry.attributes) ? entry.attributes : undefined
    if (a === undefined || typeof a.kind !== 'string' || typeof a.subject !== 'string' || a.subject.length > 4096 || !isObject(a.report)) return 'malformed'
    const target = listEntry(a.kind as IndicatorKind, a.subject)
    if (target === undefined) return 'unsupported-kind'
    const report = a.report as unknown as Report
    let verified: boolean
    try {
      const result = await verifyReportWith(report, { kind: a.kind as IndicatorKind, subject: a.subject }, options.chain, options.expected, { signal, ...options.now !== undefined ? { now: options.now } : {} })
      verified = result.verified
    } catch (err) {
      // the chain not answering is not the report's fault: the pull stops and resumes from here
      if (signal.aborted || !(err instanceof TypeError)) throw err
      return 'malformed'
    }
    if (!verified) return 'unverified'
    // the stats were recomputed from the signed verdicts by the check above
    if (!(report.stats.malicious > 0)) return 'not-malicious'
    const set = options.store.malicious[target.set]
    if (set.has(target.value)) return 'known'
    set.add(target.value)
    return 'added'
  }

  const pull = async (callOptions?: AbortOptions): Promise<MirrorPull> => {
    const signal = AbortSignal.any([stopping?.signal, callOptions?.signal].filter((s): s is AbortSignal => s !== undefined))
    const result: MirrorPull = { added: 0, dropped: noDrops(), pages: 0, cursor: options.store.mirrorCursor }
    let more = true
    while (more && result.pages < maxPages) {
      const p = await page(result.cursor, signal)
      result.pages++
      for (const entry of p.data) {
        const outcome = await take(entry, signal)
        if (outcome === 'added') result.added++
        else if (outcome !== 'known') result.dropped[outcome]++
      }
      // the cursor moves only after the whole page is judged: a pull cut short repeats the page
      result.cursor = p.cursor
      options.store.mirrorCursor = p.cursor
      more = p.more && p.data.length > 0
    }
    totals.added += result.added
    for (const [k, v] of Object.entries(result.dropped)) totals.dropped[k as DropReason] += v
    if (Object.values(result.dropped).some(v => v > 0)) options.logger?.warn({ dropped: result.dropped }, 'mirror dropped reports that failed verification')
    if (result.pages > 0) await options.onChange?.({ signal })
    return result
  }

  const schedule = (): void => {
    timer = setTimeout(() => {
      running = pull().catch((err: unknown) => { options.logger?.warn({ err }, 'mirror pull failed') }).finally(() => { if (stopping !== undefined && !stopping.signal.aborted) schedule() })
    }, options.intervalMs ?? MIRROR_INTERVAL_MS)
    timer.unref()
  }

  return {
    totals,
    pull,
    start () {
      if (stopping !== undefined) return
      stopping = new AbortController()
      // the first pull soon after start, then every interval
      running = pull().catch((err: unknown) => { options.logger?.warn({ err }, 'mirror pull failed') }).finally(() => { if (stopping !== undefined && !stopping.signal.aborted) schedule() })
    },
    async stop () {
      stopping?.abort()
      clearTimeout(timer)
      await running
      stopping = undefined
    }
  }
}
