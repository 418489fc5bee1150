// The guard's mirror of the network's malicious subjects (issue 15): pulls a supernode's
// /api/virusmap/malicious feed and lists a subject only once the light client has verified its
// report against the chain (members, quorum, signatures), so a lying node can add nothing.
// Reports that fail are dropped and counted. The mirror is bound to one deployment (chain id and
// registry): it refuses a chain or a store of another, and a report verified elsewhere is dropped.
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Hex, IndicatorKind } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import { verifyReportWith, type ChainReader, type VerifyProblemCode } from '../light-client/index.ts'
import { GuardError } from './guard-error.ts'
import { isObject } from './input.ts'
import type { Address } from './input.ts'
import { MAX_CURSOR_CHARS, MAX_MIRROR_CURSORS, type GuardStoreData, type MirrorBinding } from './store.ts'

export const MIRROR_INTERVAL_MS = 5 * 60_000
/** pages read per pull; the rest waits for the next pull */
export const MAX_PAGES_PER_PULL = 20
/** one feed page as JSON: 100 reports of a few KiB each */
export const MAX_PAGE_BYTES = 8 * 1024 * 1024
const PAGE_LIMIT = 100
const PAGE_TIMEOUT_MS = 30_000

/** `wrong-deployment`: the report names another chain or registry than the mirror's (the verifier's WRONG_CHAIN, WRONG_REGISTRY) */
export type DropReason = 'malformed' | 'unverified' | 'wrong-deployment' | 'not-malicious' | 'unsupported-kind'
const OTHER_DEPLOYMENT: ReadonlySet<VerifyProblemCode> = new Set(['WRONG_CHAIN', 'WRONG_REGISTRY'])

export interface MirrorPull {
  added: number
  dropped: Record<DropReason, number>
  /** the verifier's problem codes among the dropped reports (a report may have several) */
  problems: Partial<Record<VerifyProblemCode, number>>
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
  /** the live store the guard reads: subjects are added to its malicious sets, the deployment and cursor kept in it */
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

const noDrops = (): Record<DropReason, number> => ({ malformed: 0, unverified: 0, 'wrong-deployment': 0, 'not-malicious': 0, 'unsupported-kind': 0 })

/** Throws WRONG_DEPLOYMENT when the store's mirrored subjects were verified against another deployment. */
function checkStoreBinding (store: GuardStoreData, chainId: number, registry: Address): void {
  const bound = store.mirror
  if (bound !== undefined && (bound.chainId !== chainId || bound.registry !== registry)) {
    throw new GuardError('WRONG_DEPLOYMENT', `the store mirrors chain ${bound.chainId} registry ${bound.registry}, not chain ${chainId} registry ${registry}: give another --store`)
  }
}

/** where a verified subject goes in the guard's lists; undefined for kinds the guard does not match */
function listEntry (kind: IndicatorKind, subject: string): { set: 'addresses' | 'domains' | 'scriptHashes', value: string } | undefined {
  if (kind === 'wallet') {
    // CAIP-10 eip155:<chain>:<address>, kept whole: the guard matches it on that chain only
    const m = /^eip155:([1-9][0-9]{0,15}):(0x[0-9a-f]{40})$/.exec(subject)
    return m === null || !Number.isSafeInteger(Number(m[1])) ? undefined : { set: 'addresses', value: subject }
  }
  if (kind === 'domain') return { set: 'domains', value: subject }
  if (kind === 'script' && /^[0-9a-f]{64}$/.test(subject)) return { set: 'scriptHashes', value: subject }
  return undefined
}

/** the feed's node as the store keys its cursor: the API's origin */
const feedOrigin = (url: string): string => new URL(url).origin

/** keeps `cursor` as `origin`'s position (undefined: from the start), at most MAX_MIRROR_CURSORS nodes, the latest kept */
function keepCursor (binding: MirrorBinding, origin: string, cursor: string | undefined): void {
  const cursors = { ...binding.cursors }
  delete cursors[origin]
  if (cursor !== undefined) cursors[origin] = cursor
  const kept = Object.entries(cursors).slice(-MAX_MIRROR_CURSORS)
  if (kept.length === 0) delete binding.cursors
  else binding.cursors = Object.fromEntries(kept)
}

/** a 400 refusing the cursor we sent: the node issued it not (another node at this address) or no longer knows it */
class CursorRefused extends Error {}

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
  const { chainId } = options.expected
  const registry = options.expected.registry.toLowerCase() as Address
  checkStoreBinding(options.store, chainId, registry)
  const totals = { added: 0, dropped: noDrops() }
  const maxPages = options.maxPagesPerPull ?? MAX_PAGES_PER_PULL
  const origin = feedOrigin(options.url)
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()
  let stopping: AbortController | undefined

  const page = async (cursor: string | undefined, signal: AbortSignal): Promise<{ data: unknown[], cursor: string | undefined, more: boolean }> => {
    const url = new URL('/api/virusmap/malicious', options.url)
    url.searchParams.set('limit', String(PAGE_LIMIT))
    if (cursor !== undefined) url.searchParams.set('cursor', cursor)
    const res = await fetch(url, { headers: { accept: 'application/json', ...options.apiKey !== undefined ? { 'x-apikey': options.apiKey } : {} }, signal: AbortSignal.any([signal, AbortSignal.timeout(PAGE_TIMEOUT_MS)]) })
    const text = await readBounded(res, MAX_PAGE_BYTES)
    if (res.status === 400 && cursor !== undefined && /InvalidArgumentError/.test(text)) throw new CursorRefused()
    if (!res.ok) throw new GuardError('RPC_FAILED', `the feed answered ${res.status}: ${text.slice(0, 200)}`)
    let json: unknown
    try { json = JSON.parse(text) } catch { throw new GuardError('BAD_JSON', 'the feed page is not JSON') }
    if (!isObject(json) || !Array.isArray(json.data) || !isObject(json.meta)) throw new GuardError('BAD_TYPE', 'the feed page is not {data, meta}')
    const next = json.meta.cursor
    if (next !== undefined && (typeof next !== 'string' || next.length === 0 || next.length > MAX_CURSOR_CHARS)) throw new GuardError('BAD_TYPE', 'the feed cursor is not a short string')
    return { data: json.data, cursor: next ?? cursor, more: json.meta.more === true }
  }

  /** one feed entry: verified and added, or the reason it was dropped */
  const take = async (entry: unknown, problems: MirrorPull['problems'], signal: AbortSignal): Promise<DropReason | 'added' | 'known'> => {
    const a = isObject(entry) && isObject(entry.attributes) ? entry.attributes : undefined
    if (a === undefined || typeof a.kind !== 'string' || typeof a.subject !== 'string' || a.subject.length > 4096 || !isObject(a.report)) return 'malformed'
    const target = listEntry(a.kind as IndicatorKind, a.subject)
    if (target === undefined) return 'unsupported-kind'
    const report = a.report as unknown as Report
    let codes: VerifyProblemCode[]
    try {
      const result = await verifyReportWith(report, { kind: a.kind as IndicatorKind, subject: a.subject }, options.chain, { chainId, registry }, { signal, ...options.now !== undefined ? { now: options.now } : {} })
      codes = result.problems.map(p => p.code)
    } catch (err) {
      // the chain not answering is not the report's fault: the pull stops and resumes from here
      if (signal.aborted || !(err instanceof TypeError)) throw err
      return 'malformed'
    }
    for (const code of new Set(codes)) problems[code] = (problems[code] ?? 0) + 1
    // only a report that names a deployment, another one; one naming none is unverified
    const names = Number.isSafeInteger(report.chainId) && /^0x[0-9a-fA-F]{40}$/.test(String(report.registry))
    if (names && codes.some(c => OTHER_DEPLOYMENT.has(c))) return 'wrong-deployment'
    if (codes.length > 0) return 'unverified'
    // the stats were recomputed from the signed verdicts by the check above
    if (!(report.stats.malicious > 0)) return 'not-malicious'
    const set = options.store.malicious[target.set]
    if (set.has(target.value)) return 'known'
    set.add(target.value)
    return 'added'
  }

  const pull = async (callOptions?: AbortOptions): Promise<MirrorPull> => {
    const signal = AbortSignal.any([stopping?.signal, callOptions?.signal].filter((s): s is AbortSignal => s !== undefined))
    checkStoreBinding(options.store, chainId, registry)
    // a provider on another chain would have every report dropped; say so once instead
    const onChain = await options.chain.chainId({ signal })
    if (onChain !== chainId) throw new GuardError('WRONG_DEPLOYMENT', `the chain answers chain id ${onChain}, the mirror trusts chain ${chainId}`)
    const binding = options.store.mirror ?? { chainId, registry }
    options.store.mirror = binding
    const result: MirrorPull = { added: 0, dropped: noDrops(), problems: {}, pages: 0, cursor: binding.cursors?.[origin] }
    // a feed that hands back a cursor already read in this pull goes round in circles: the pull ends there
    const seen = new Set<string>()
    let restarted = false
    let more = true
    while (more && result.pages < maxPages) {
      let p: Awaited<ReturnType<typeof page>>
      try {
        p = await page(result.cursor, signal)
      } catch (err) {
        if (!(err instanceof CursorRefused) || restarted) throw err instanceof CursorRefused ? new GuardError('RPC_FAILED', 'the feed refused a cursor it issued') : err
        // the node refused the cursor kept for its address: start its feed over (every report is verified again)
        options.logger?.warn({ feed: origin }, 'the feed refused the kept cursor; reading it from the start')
        restarted = true
        result.cursor = undefined
        keepCursor(binding, origin, undefined)
        continue
      }
      result.pages++
      for (const entry of p.data) {
        const outcome = await take(entry, result.problems, signal)
        if (outcome === 'added') result.added++
        else if (outcome !== 'known') result.dropped[outcome]++
      }
      // the cursor moves only after the whole page is judged: a pull cut short repeats the page
      const looped = p.more && p.cursor !== undefined && (p.cursor === result.cursor || seen.has(p.cursor))
      if (result.cursor !== undefined) seen.add(result.cursor)
      result.cursor = p.cursor
      keepCursor(binding, origin, p.cursor)
      if (looped) options.logger?.warn({ feed: origin }, 'the feed repeated a cursor; the pull ends here')
      more = p.more && p.data.length > 0 && !looped
    }
    totals.added += result.added
    for (const [k, v] of Object.entries(result.dropped)) totals.dropped[k as DropReason] += v
    if (Object.values(result.dropped).some(v => v > 0)) options.logger?.warn({ dropped: result.dropped, problems: result.problems }, 'mirror dropped reports that failed verification')
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
