/**
 * Delivers bought samples (SPEC 18): follows DataMarket's Ordered events up to the confirmed head and,
 * for each order of a sample this node holds, placed while it was a member and still open, builds its
 * one wrap to the buyer's key and Delivered signature and stores them; the API serves the stored
 * delivery (GET /api/virusmap/market/orders/{id}/delivery). A stored delivery is never replaced, so a
 * restart re-reading the events signs nothing new for an order it already delivered.
 * An order for a sample this node does not hold yet waits: every pass retries it, and it is delivered
 * once the sample arrives, or dropped (outcome not-held) once its deadline passed. An epoch feed's order
 * (where `feeds` is given) is delivered the same way, the feed standing for the sample: it waits until the
 * epoch is final here (feed-source.ts). The next block to read
 * and the waiting orders are stored (DeliveryRepository.advance) after each range of blocks, so a restarted
 * member resumes there with its waiting orders; a range cut short by a crash is read again, and a
 * delivery already stored is served as it was.
 */
import { pollUntilAborted } from '../chain/poll-until-aborted.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Signer } from 'ethers'
import type { Logger } from 'pino'
import type { Hex } from '#protocol/messages.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { DeliveryRepository, MarketDelivery } from '../db/delivery-repository.ts'
import type { SampleRepository } from '../db/sample-repository.ts'
import type { MarketMetrics } from '../metrics/registry.ts'
import { SAMPLE_PRODUCT, buildDelivery } from './delivery.ts'
import type { FeedContent, FeedSource } from './feed-source.ts'
import { FEED_PRODUCT, FeedError, feedEpochOf } from '#protocol/feed/index.ts'
import { MarketError } from './market-error.ts'
import type { MarketChain, MarketFollowOptions } from './ports.ts'
import type { OrderedEvent } from '#protocol/delivered.ts'

export type DeliveryServiceOptions = MarketFollowOptions

export interface DeliveryServiceComponents {
  self: Hex
  operator: Signer
  chain: MarketChain
  follower: Pick<RegistryFollower, 'followedBlock' | 'isMemberAt'>
  samples: Pick<SampleRepository, 'get'>
  /** epoch feeds (SPEC 18, feeds); without it a feed order is not delivered here */
  feeds?: FeedSource
  deliveries: DeliveryRepository
  logger: Logger
  metrics?: MarketMetrics
  now?: () => number
}

/**
 * `waiting`: the sample is not held yet, or the feed's epoch not final here (retried every pass); `not-held`: the
 * deadline passed before it arrived; `not-a-sample`: a product this service does not deliver; `bad-subject`: a
 * feed order whose subject names no epoch
 */
export type DeliveryOutcome = 'delivered' | 'waiting' | 'not-a-sample' | 'not-held' | 'not-member' | 'past-deadline' | 'bad-buyer-key' | 'bad-subject'

export interface DeliveryService {
  start(): Promise<void>
  stop(): Promise<void>
  /** one pass over the newly confirmed blocks (the poll loop runs it; tests may too) */
  tick(options?: AbortOptions): Promise<void>
  delivery(orderId: bigint, options?: AbortOptions): Promise<MarketDelivery | undefined>
}

// getLogs ranges stay small enough for any JSON-RPC provider
const LOG_CHUNK = 2000
/** Orders waiting for their sample at most; past it the oldest waits no longer (a vendor's flood of orders for samples nobody has). */
export const MAX_WAITING_ORDERS = 10_000

/** the epoch a feed order names; undefined when its subject names none */
function epochOf (order: OrderedEvent): number | undefined {
  try {
    return feedEpochOf(order.subject)
  } catch (err) {
    if (err instanceof FeedError) return undefined
    throw err
  }
}

export function createDeliveryService (opts: DeliveryServiceOptions, c: DeliveryServiceComponents): DeliveryService {
  const { chain, follower, logger } = c
  const now = c.now ?? Date.now
  const market = opts.market.toLowerCase() as Hex
  const signer = { chainId: opts.chainId, registry: opts.registry, market, member: c.self, signer: c.operator, now }
  let next = opts.fromBlock
  let loaded = false
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined
  // orders for samples not held yet, by order id, oldest first; stored beside the cursor
  const waiting = new Map<bigint, OrderedEvent>()

  /** where the last run stopped: its next block and its waiting orders */
  async function load (): Promise<void> {
    if (loaded) return
    next = Math.max(next, await c.deliveries.cursor(market) ?? 0)
    for (const order of await c.deliveries.waiting(market)) waiting.set(order.orderId, order)
    loaded = true
  }

  /** the epoch's feed; a report the feed cannot read keeps the order waiting (logged), not the other orders */
  async function feedOf (feeds: FeedSource, epoch: number): Promise<FeedContent | undefined> {
    try {
      return await feeds.feed(epoch)
    } catch (err) {
      if (!(err instanceof FeedError)) throw err
      logger.warn({ err, epoch }, 'an epoch feed cannot be built from the reports held here')
      return undefined
    }
  }

  async function deliver (order: OrderedEvent, head: number): Promise<DeliveryOutcome> {
    const feeds = order.product === FEED_PRODUCT ? c.feeds : undefined
    if (order.product !== SAMPLE_PRODUCT && feeds === undefined) return 'not-a-sample'
    if (!follower.isMemberAt(c.self, order.block)) return 'not-member'
    if (head > order.deadline) return 'past-deadline'
    const epoch = feeds === undefined ? undefined : epochOf(order)
    if (feeds !== undefined && epoch === undefined) return 'bad-subject'
    const sample = feeds === undefined || epoch === undefined ? await c.samples.get(order.subject) : await feedOf(feeds, epoch)
    if (sample === undefined) return 'waiting'
    try {
      await c.deliveries.getOrCreate(market, order.orderId, async () => await buildDelivery(order, sample, signer))
    } catch (err) {
      // a buyer key that is no X25519 point (low order) cannot be sealed to: the buyer's loss, refunded later
      if (err instanceof MarketError && err.code === 'BAD_BUYER_KEY') return 'bad-buyer-key'
      throw err
    }
    return 'delivered'
  }

  function record (order: OrderedEvent, outcome: DeliveryOutcome): void {
    c.metrics?.orders.inc({ outcome })
    logger[outcome === 'delivered' || outcome === 'not-held' ? 'info' : 'debug']({ orderId: order.orderId.toString(), sha256: order.subject, outcome }, 'market order')
  }

  /** the waiting orders again: delivered once their sample is here, dropped once their deadline passed */
  async function retryWaiting (head: number, options: AbortOptions): Promise<void> {
    const done: bigint[] = []
    for (const order of Array.from(waiting.values())) {
      options.signal?.throwIfAborted()
      const outcome = head > order.deadline ? 'not-held' : await deliver(order, head)
      if (outcome === 'waiting') continue
      waiting.delete(order.orderId)
      done.push(order.orderId)
      record(order, outcome)
    }
    await c.deliveries.advance(market, { done })
  }

  async function tick (options: AbortOptions = {}): Promise<void> {
    await load()
    const head = await chain.head(options)
    await retryWaiting(head, options)
    // membership at an order's block must be known before deciding on it
    const to = Math.min(head - opts.confirmations, follower.followedBlock)
    while (next <= to) {
      const end = Math.min(to, next + LOG_CHUNK - 1)
      const wait: OrderedEvent[] = []
      const done: bigint[] = []
      for (const order of await chain.ordered(next, end, options)) {
        options.signal?.throwIfAborted()
        const outcome = await deliver(order, head)
        record(order, outcome)
        if (outcome !== 'waiting') continue
        waiting.set(order.orderId, order)
        wait.push(order)
        if (waiting.size > MAX_WAITING_ORDERS) {
          const [oldest] = waiting.values()
          if (oldest !== undefined) { waiting.delete(oldest.orderId); done.push(oldest.orderId); record(oldest, 'not-held') }
        }
      }
      // an order both added and dropped in this range is dropped: deletions are applied after puts
      await c.deliveries.advance(market, { next: end + 1, wait, done })
      next = end + 1
    }
  }

  return {
    tick,
    async delivery (orderId, options = {}) {
      options.signal?.throwIfAborted()
      return await c.deliveries.get(market, orderId)
    },
    async start () {
      controller = new AbortController()
      const { signal } = controller
      loop = pollUntilAborted(async () => {
        await tick({ signal }).catch((err: unknown) => {
          if (!signal.aborted) logger.warn({ err }, 'market delivery pass failed; retried at the next poll')
        })
      }, opts.pollIntervalMs, signal)
    },
    async stop () {
      controller?.abort()
      await loop
    }
  }
}
