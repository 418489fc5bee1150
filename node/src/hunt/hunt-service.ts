/**
 * Hunting at a member (SPEC 19): registrations of sealed rulesets paid by hunt orders, Livehunt over
 * every new file report, Retrohunt on request (retrohunt.ts), and signed match notifications for the
 * vendor (hunt-notify.ts). Rulesets are stored sealed and opened in memory at start; their source is
 * never logged, stored in the clear or served. Expired rulesets are dropped; their matches stay.
 */
import { pollUntilAborted } from '../chain/poll-until-aborted.ts'
import type { AbortOptions } from '@libp2p/interface'
import { hexToBytes } from '@noble/hashes/utils.js'
import type { Signer } from 'ethers'
import type { Logger } from 'pino'
import { HuntError } from '#protocol/hunt/errors.ts'
import { signDelivered } from '#protocol/delivered.ts'
import type { OrderedEvent } from '#protocol/delivered.ts'
import { checkHuntRegistration, HUNT_PRODUCT } from '#protocol/hunt/registration.ts'
import type { HuntRegistration } from '#protocol/hunt/registration.ts'
import { openRuleset } from '#protocol/hunt/ruleset.ts'
import { createKeyLock } from '../db/key-lock.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { HuntRepository, StoredHuntMatch, StoredRuleset } from '../db/hunt-repository.ts'
import type { ReportRepository } from '../db/report-repository.ts'
import type { SampleRepository } from '../db/sample-repository.ts'
import type { MarketChain, MarketFollowOptions } from '../market/ports.ts'
import type { HuntMetrics } from '../metrics/registry.ts'
import { createHuntNotifier } from './hunt-notify.ts'
import type { MatchListener } from './hunt-notify.ts'
import { createHuntOrders } from './hunt-orders.ts'
import { createHuntScanner } from './hunt-scanner.ts'
import type { HuntScanner, LoadedRuleset } from './hunt-scanner.ts'
import { runRetrohunt } from './retrohunt.ts'
import type { RetroBounds, RetroResult } from './retrohunt.ts'

/** `market`: the DataMarket whose hunt orders pay (a Delivered signature names it) */
export interface HuntServiceOptions extends MarketFollowOptions {
  /** active rulesets this member holds at most (default 16) */
  maxRulesets?: number
  /** per ruleset (default 10 s) */
  compileTimeoutMs?: number
  /** one sample against every active ruleset (default 10 s) */
  scanTimeoutMs?: number
  retro?: Partial<RetroBounds>
}

export interface HuntServiceComponents {
  self: Hex
  operator: Signer
  x25519SecretKey: Uint8Array
  chain: MarketChain
  follower: { readonly followedBlock: number }
  reports: Pick<ReportRepository, 'since' | 'stored'>
  samples: Pick<SampleRepository, 'get'>
  readSample: (cid: string, contentKey: Uint8Array, options?: AbortOptions) => Promise<Uint8Array>
  hunts: HuntRepository
  logger: Logger
  metrics?: HuntMetrics
  now?: () => number
}

export interface RulesetView { rulesetId: Hex, orderId: string, paidUntil: number, registeredAt: number }

export interface HuntService {
  start(): Promise<void>
  stop(): Promise<void>
  /** one pass: orders followed, expired rulesets dropped, Livehunt over the new reports */
  tick(options?: AbortOptions): Promise<void>
  register(reg: HuntRegistration, options?: AbortOptions): Promise<RulesetView>
  rulesets(vendor: Hex): RulesetView[]
  matches(vendor: Hex, afterSeq: number, limit: number, options?: AbortOptions): Promise<StoredHuntMatch[]>
  subscribe(vendor: Hex, listener: MatchListener): () => void
  subscribers(vendor: Hex): number
  retro(vendor: Hex, rulesetId: Hex, options?: AbortOptions): Promise<RetroResult>
  /**
   * This member's Delivered signature for a hunt order (SPEC 19): over wrapHash = the order's rulesetId, once
   * the ruleset it pays for is registered here by the order's buyer and loaded into Livehunt; undefined before
   * (or for another product). Signatures are deterministic (RFC 6979), so asking again signs the same bytes.
   */
  delivered(order: OrderedEvent, options?: AbortOptions): Promise<{ wrapHash: Hex, signature: Hex } | undefined>
}

const view = (s: StoredRuleset): RulesetView => ({ rulesetId: s.registration.rulesetId, orderId: s.registration.orderId, paidUntil: s.paidUntil, registeredAt: s.registeredAt })
const PAGE = 256
/** jobs remembered as hunted: a report is stored again within minutes of its first storing (late verdicts, SPEC 5) */
const REMEMBERED = 4096

export function createHuntService (opts: HuntServiceOptions, c: HuntServiceComponents): HuntService {
  const { logger, metrics } = c
  const now = c.now ?? Date.now
  const binding = { chainId: opts.chainId, registry: opts.registry }
  const maxRulesets = opts.maxRulesets ?? 16
  const scanTimeoutMs = opts.scanTimeoutMs ?? 10_000
  const compileTimeoutMs = opts.compileTimeoutMs ?? 10_000
  const orders = createHuntOrders({ fromBlock: opts.fromBlock, confirmations: opts.confirmations, followed: () => c.follower.followedBlock }, c.chain)
  const scanner: HuntScanner = createHuntScanner({ compileTimeoutMs, logger })
  const notifier = createHuntNotifier(binding, { operator: c.operator, hunts: c.hunts, logger })
  // rulesetId -> the stored ruleset and its source, opened in memory
  const active = new Map<Hex, { stored: StoredRuleset, source: string }>()
  let retroRunning = false
  // the jobs Livehunt hunted lately, oldest first
  const hunted = new Map<Hex, true>()
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined

  const reload = async (options: AbortOptions = {}): Promise<void> => {
    const loaded: LoadedRuleset[] = [...active.values()].map((r) => ({ rulesetId: r.stored.registration.rulesetId, source: r.source }))
    await scanner.load(loaded, options)
    metrics?.rulesets.set(active.size)
  }

  /** drops lapsed rulesets and extends renewed ones; true when the set changed */
  async function settle (head: number): Promise<boolean> {
    let changed = false
    for (const [id, r] of active) {
      const paidUntil = Math.max(r.stored.paidUntil, orders.paidUntil(id, r.stored.registration.vendor))
      if (paidUntil < head) {
        active.delete(id)
        await c.hunts.deleteRuleset(id)
        logger.info({ rulesetId: id, vendor: r.stored.registration.vendor }, 'hunt ruleset lapsed')
        changed = true
      } else if (paidUntil !== r.stored.paidUntil) {
        r.stored = { ...r.stored, paidUntil }
        await c.hunts.putRuleset(r.stored)
      }
    }
    return changed
  }

  async function huntReport (report: Report, options: AbortOptions): Promise<void> {
    const job = report.job.job
    const sample = await c.samples.get(job.sha256)
    // a member holds every file it checked to scan; one it missed has nothing to hunt here
    if (sample === undefined) return
    const bytes = await c.readSample(sample.cid, hexToBytes(sample.contentKey.slice(2)), options)
    const outcome = await scanner.match(bytes, { timeoutMs: scanTimeoutMs, signal: options.signal })
    metrics?.scans.inc({ outcome: outcome.status === 'done' && outcome.overBudget.length > 0 ? 'partial' : outcome.status })
    if (outcome.status !== 'done') {
      logger.warn({ jobId: report.jobId, status: outcome.status, rulesets: active.size }, 'Livehunt scan ended without matches')
      return
    }
    // the other rulesets' matches are complete: a slow one costs only itself (hunt-scanner.ts)
    if (outcome.overBudget.length > 0) logger.warn({ jobId: report.jobId, overBudget: outcome.overBudget }, 'Livehunt: rulesets over the scan budget on this sample')
    for (const [rulesetId, rules] of outcome.matches) {
      const r = active.get(rulesetId)
      if (r === undefined) continue
      await notifier.notify(r.stored.registration.vendor, { rulesetId, member: c.self, jobId: report.jobId, sha256: job.sha256, membershipBlock: job.membershipBlock, rules, matchedAt: now() })
      metrics?.matches.inc({ source: 'live' })
      logger.info({ rulesetId, jobId: report.jobId, rules: rules.length }, 'hunt match')
    }
  }

  /**
   * New file reports in the order this node stored them (report-feed.ts), so a slow job's report, stored
   * after faster ones of later dates, is still hunted once it lands. A report stored again (more verdicts)
   * comes round again at the end: the jobs hunted lately are remembered to skip it.
   */
  async function livehunt (options: AbortOptions): Promise<void> {
    const saved = await c.hunts.cursor()
    let cursor = saved
    for (;;) {
      const page = await c.reports.stored(cursor, PAGE, (r) => r.job.job.kind === 'file' && !hunted.has(r.jobId), options)
      for (const { report } of page.reports) {
        remember(report.jobId)
        // one unreadable sample must not stop the hunt over the others
        if (active.size > 0) {
          await huntReport(report, options).catch((err: unknown) => {
            options.signal?.throwIfAborted()
            logger.warn({ err, jobId: report.jobId }, 'Livehunt skipped a report')
          })
        }
      }
      if (page.last !== undefined) cursor = page.last
      if (page.last === undefined || !page.more) break
    }
    if (cursor !== undefined && cursor !== saved) await c.hunts.setCursor(cursor)
  }

  function remember (jobId: Hex): void {
    hunted.delete(jobId)
    hunted.set(jobId, true)
    // insertion order: the oldest first
    for (const old of hunted.keys()) {
      if (hunted.size <= REMEMBERED) break
      hunted.delete(old)
    }
  }

  // one pass at a time: the poll loop, a registration and a stop never interleave over the cursor or the set
  const lock = createKeyLock()
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => await lock('hunt', fn)

  async function tick (options: AbortOptions = {}): Promise<void> {
    await exclusive(async () => {
      const head = await orders.follow(options)
      if (await settle(head)) await reload(options)
      await livehunt(options)
    })
  }

  async function register (reg: HuntRegistration, options: AbortOptions): Promise<RulesetView> {
    const head = await orders.follow(options)
    const order = checkHuntRegistration(reg, { order: orders.order(BigInt(reg.orderId)), head, followedBlock: c.follower.followedBlock })
    const existing = active.get(reg.rulesetId)
    if (existing !== undefined && existing.stored.registration.vendor === reg.vendor) return view(existing.stored)
    if (active.size >= maxRulesets) throw new HuntError('TOO_MANY_RULESETS', `this member holds ${maxRulesets} active rulesets`)
    const source = openRuleset(reg, c.self, c.x25519SecretKey, binding)
    await scanner.check(source, options)
    // the reports stored so far are Retrohunt's: Livehunt catches up with the rulesets it had first
    await livehunt(options)
    const stored: StoredRuleset = { registration: reg, paidUntil: Math.max(order.deadline, orders.paidUntil(reg.rulesetId, reg.vendor)), registeredAt: now() }
    await c.hunts.putRuleset(stored)
    active.set(reg.rulesetId, { stored, source })
    await reload(options)
    logger.info({ rulesetId: reg.rulesetId, vendor: reg.vendor, paidUntil: stored.paidUntil }, 'hunt ruleset registered')
    return view(stored)
  }

  return {
    tick,
    async register (reg, options = {}) {
      try {
        const registered = await exclusive(async () => await register(reg, options))
        metrics?.registrations.inc({ outcome: 'accepted' })
        return registered
      } catch (err) {
        if (err instanceof HuntError) metrics?.registrations.inc({ outcome: err.code })
        throw err
      }
    },
    rulesets: (vendor) => [...active.values()].filter((r) => r.stored.registration.vendor === vendor).map((r) => view(r.stored)),
    async matches (vendor, afterSeq, limit, options = {}) {
      return await c.hunts.matches(vendor, afterSeq, limit, options)
    },
    async delivered (order, options = {}) {
      options.signal?.throwIfAborted()
      const r = active.get(order.subject)
      if (order.product !== HUNT_PRODUCT || r === undefined || r.stored.registration.vendor !== order.buyer) return undefined
      const wrapHash = order.subject
      return { wrapHash, signature: await signDelivered({ market: opts.market.toLowerCase() as Hex, orderId: order.orderId, wrapHash }, opts.chainId, opts.registry, c.operator) }
    },
    subscribe: (vendor, listener) => notifier.subscribe(vendor, listener),
    subscribers: (vendor) => notifier.subscribers(vendor),
    async retro (vendor, rulesetId, options = {}) {
      const r = active.get(rulesetId)
      if (r === undefined || r.stored.registration.vendor !== vendor) throw new HuntError('UNKNOWN_RULESET', 'no active ruleset of this vendor with this id here')
      if (retroRunning) throw new HuntError('RETRO_BUSY', 'a Retrohunt is already running at this member')
      retroRunning = true
      try {
        const result = await runRetrohunt({ rulesetId, source: r.source, bounds: opts.retro ?? {}, compileTimeoutMs, scanTimeoutMs },
          { self: c.self, vendor, reports: c.reports, samples: c.samples, readSample: c.readSample, notifier, logger, now }, options)
        metrics?.retrohunts.inc({ stopped_by: result.stoppedBy })
        metrics?.matches.inc({ source: 'retro' }, result.matches.length)
        return result
      } finally {
        retroRunning = false
      }
    },
    async start () {
      await orders.follow()
      // a first start: the reports already held are Retrohunt's (a pass without rulesets only marks them)
      if (await c.hunts.cursor() === undefined) await livehunt({})
      for (const stored of await c.hunts.rulesets()) {
        try {
          active.set(stored.registration.rulesetId, { stored, source: openRuleset(stored.registration, c.self, c.x25519SecretKey, binding) })
        } catch (err) {
          logger.warn({ rulesetId: stored.registration.rulesetId, code: (err as HuntError).code }, 'stored hunt ruleset does not open; dropped')
          await c.hunts.deleteRuleset(stored.registration.rulesetId)
        }
      }
      await settle(orders.head)
      await reload()
      controller = new AbortController()
      const { signal } = controller
      loop = pollUntilAborted(async () => {
        await tick({ signal }).catch((err: unknown) => {
          if (!signal.aborted) logger.warn({ err }, 'hunt pass failed; retried at the next poll')
        })
      }, opts.pollIntervalMs, signal)
    },
    async stop () {
      controller?.abort()
      await loop
      await scanner.stop()
      active.clear()
    }
  }
}
