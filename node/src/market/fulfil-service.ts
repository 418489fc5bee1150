/**
 * Members pay themselves for what they delivered (SPEC 18, 19): each member gossips its own Delivered
 * signature for every open order it delivered (a sample's wrap, a hunt's ruleset taken up) on the market
 * topic, collects the other members' (order-signatures.ts), and once f+1 distinct members at the order's
 * block signed, the members take turns calling DataMarket.fulfil with every signature held, so a buyer who
 * took the sample and never paid cannot have its escrow back. The turns are the evidence prover's: ranked
 * by keccak256(orderId ‖ member) among the order's block's members, rank r waits (r + 1) × turnMs after this
 * node first held f+1 signatures (r × turnMs once every member signed), skips an order the chain no longer has open, and a failed send is tried once
 * more a full round later. A buyer may still fulfil itself first; then the members' turns find it closed.
 * The others' signatures are also stored (market-signature/, until the order's deadline), so a restarted
 * member still holds them when its turn comes; its own are read back from its deliveries. Members gossip
 * their own again every `resendMs` while the order is open, for members that lost theirs.
 */
import { toBeHex } from 'ethers'
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { MarketSignatureRepository } from '../db/market-signature-repository.ts'
import { faultDivisorFrom, oneHonestThreshold } from '#protocol/index.ts'
import type { DeliverySignature, Hex, OrderedEvent } from '#protocol/index.ts'
import { pollUntilAborted } from '../chain/poll-until-aborted.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import { latestTurn, turnOrder } from '../chain/turn-order.ts'
import type { MarketMetrics } from '../metrics/registry.ts'
import type { Gossip } from '../network/gossip.ts'
import { createOrderSignatures } from './order-signatures.ts'
import type { CollectedOrder, HeldSignature } from './order-signatures.ts'
import type { MarketFollowOptions, SettlementChain } from './ports.ts'

export interface FulfilServiceOptions extends MarketFollowOptions {
  /** how long each member waits after the one before it in an order's turns (the config's anchorTurnMs) */
  turnMs: number
  /** how often a member gossips its own signature again while the order is open (default 150 s, past gossipsub's seen cache) */
  resendMs?: number
  /** how often this member looks again for its own delivery of an open order it has not delivered (default 5 s): a store read per order */
  recheckMs?: number
  maxOrders?: number
  maxHeld?: number
}

export interface FulfilServiceComponents {
  self: Hex
  chain: SettlementChain
  follower: Pick<RegistryFollower, 'followedBlock' | 'isMemberAt' | 'membersAt' | 'parameterAt'>
  gossip: Pick<Gossip, 'handle' | 'publish'>
  /** this member's Delivered signature for the order once it delivered it (own-delivery.ts); undefined: not (yet) */
  ownDelivery: (order: OrderedEvent, options?: AbortOptions) => Promise<HeldSignature | undefined>
  /** where the members' signatures are kept across a restart */
  signatures: Pick<MarketSignatureRepository, 'put' | 'list' | 'prune'>
  logger: Logger
  metrics?: MarketMetrics
  now?: () => number
}

/** fulfilled: this member's fulfil paid the order; closed: the chain had it closed at this member's turn; failed: the send reverted or failed */
export type FulfilOutcome = 'fulfilled' | 'closed' | 'failed'

export interface FulfilService extends Startable {
  /** one pass: new orders followed, own signatures gossiped, this member's turns taken (the poll loop runs it; tests may too) */
  tick(options?: AbortOptions): Promise<void>
}

// getLogs ranges stay small enough for any JSON-RPC provider
const LOG_CHUNK = 2000

interface Turns { readySince: number, lastTurn?: number, failures: number }

export function createFulfilService (opts: FulfilServiceOptions, c: FulfilServiceComponents): FulfilService {
  const { chain, follower, gossip, logger, metrics, self } = c
  const now = c.now ?? Date.now
  const resendMs = opts.resendMs ?? 150_000
  const recheckMs = opts.recheckMs ?? 5000
  /** when this member last looked for its own delivery of an order it had not delivered */
  const askedAt = new Map<bigint, number>()
  const market = opts.market.toLowerCase() as Hex
  const collected = createOrderSignatures({ chainId: opts.chainId, registry: opts.registry, market, maxOrders: opts.maxOrders, maxHeld: opts.maxHeld }, (m, b) => follower.isMemberAt(m, b))
  /** this member's own signatures, and when each was last gossiped */
  const own = new Map<bigint, { msg: DeliverySignature, sentAt: number }>()
  const turns = new Map<bigint, Turns>()
  let next: number | undefined
  let head = -1
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined
  let queue: Promise<void> = Promise.resolve()

  /** runs `task` after everything queued before it: passes, turns and sends never race each other */
  async function serial (task: () => Promise<void>): Promise<void> {
    const run = queue.then(task)
    queue = run.catch((err: unknown) => {
      if (controller?.signal.aborted !== true) logger.warn({ err }, 'market fulfil step failed; retried at the next pass')
    })
    await queue
  }

  const needed = (block: number): number => oneHonestThreshold(follower.membersAt(block).length, faultDivisorFrom(follower.parameterAt('quorumFaultDivisor', block)))

  function record (outcome: FulfilOutcome): void {
    metrics?.fulfils.inc({ outcome })
  }

  /** this member's turn for the order, if one began and was not taken: fulfil unless the chain has it closed */
  async function takeTurn (o: CollectedOrder, options: AbortOptions): Promise<void> {
    const { orderId, block, deadline } = o.order
    if (o.closed || o.signatures.size < needed(block)) return
    const t = turns.get(orderId) ?? { readySince: now(), failures: 0 }
    turns.set(orderId, t)
    const order = turnOrder(toBeHex(orderId, 32) as Hex, follower.membersAt(block))
    // the turns start one turn after f+1 were first held, unless every member signed: a member whose
    // signature is a moment behind the first f+1 is still paid, not left out by a first rank in a hurry
    const grace = o.signatures.size < order.length ? opts.turnMs : 0
    const turn = latestTurn(order.indexOf(self), order.length, now() - t.readySince - grace, opts.turnMs)
    // one send per turn, and one retry at most: the next turn of this rank is a full round later
    if (turn === undefined || turn === t.lastTurn || t.failures > 1) return
    t.lastTurn = turn
    const status = await chain.status(orderId, options)
    if (status !== 'open' || head >= deadline) {
      collected.close(orderId)
      record('closed')
      logger.debug({ orderId: orderId.toString(), status }, 'order no longer open at this member\'s turn')
      return
    }
    const args = collected.fulfilArgs(orderId)
    try {
      const { tx, block: minedAt } = await chain.fulfil(orderId, args.wrapHashes, args.signatures, options)
      collected.close(orderId)
      record('fulfilled')
      logger.info({ orderId: orderId.toString(), product: o.order.product, members: args.signers.length, tx, block: minedAt }, 'order fulfilled by the members')
    } catch (err) {
      options.signal?.throwIfAborted()
      t.failures++
      record('failed')
      logger.warn({ err, orderId: orderId.toString(), members: args.signers.length, retry: t.failures <= 1 }, 'fulfil failed')
    }
  }

  async function publishOwn (orderId: bigint): Promise<void> {
    const held = own.get(orderId)
    if (held === undefined) return
    held.sentAt = now()
    await gossip.publish('market', held.msg)
  }

  /** this member's signature for an open order it delivered, gossiped once found and again every resendMs */
  async function offerOwn (o: CollectedOrder, options: AbortOptions): Promise<void> {
    const { orderId, block } = o.order
    const mine = own.get(orderId)
    if (mine !== undefined) {
      if (now() - mine.sentAt >= resendMs) await publishOwn(orderId)
      return
    }
    if (!follower.isMemberAt(self, block) || now() - (askedAt.get(orderId) ?? -Infinity) < recheckMs) return
    const sig = await c.ownDelivery(o.order, options)
    if (sig === undefined) {
      askedAt.set(orderId, now())
      return
    }
    askedAt.delete(orderId)
    collected.addOwn(orderId, self, sig)
    own.set(orderId, { msg: { type: 'delivery-signature', market, orderId: orderId.toString(), member: self, wrapHash: sig.wrapHash, signature: sig.signature }, sentAt: 0 })
    await publishOwn(orderId)
  }

  async function follow (options: AbortOptions): Promise<void> {
    head = await chain.head(options)
    collected.setHead(head)
    // membership at an order's block must be known before its signatures can be judged
    const to = Math.min(head - opts.confirmations, follower.followedBlock)
    // a first pass reads back one delivery window: no older order can still be open
    next ??= Math.max(opts.fromBlock, to - await chain.deliveryBlocks(options))
    while (next <= to) {
      const end = Math.min(to, next + LOG_CHUNK - 1)
      for (const order of await chain.ordered(next, end, options)) await track(order, options)
      next = end + 1
    }
    await c.signatures.prune(market, head, options)
  }

  /** follows a confirmed order with the signatures stored for it, judged again as if gossiped */
  async function track (order: OrderedEvent, options: AbortOptions): Promise<void> {
    if (collected.get(order.orderId) !== undefined) return
    const early = collected.track(order)
    const o = collected.get(order.orderId)
    if (o === undefined) return
    for (const msg of await c.signatures.list(market, order, options)) {
      try {
        collected.receive(msg)
      } catch {
        // a duplicate, or no longer valid (the member left): not counted, as a gossiped one would not be
      }
    }
    // signatures gossiped before the order was followed here count now: stored like any other
    if (early > 0) {
      for (const [member, held] of o.signatures) {
        if (member !== self) store(o, { type: 'delivery-signature', market, orderId: order.orderId.toString(), member, ...held })
      }
    }
  }

  function store (o: CollectedOrder, msg: DeliverySignature): void {
    c.signatures.put(o.order, msg).catch((err: unknown) => { logger.warn({ err, orderId: o.order.orderId.toString() }, 'a delivery signature was not stored; its member gossips it again') })
  }

  async function pass (options: AbortOptions): Promise<void> {
    await follow(options)
    for (const id of [...own.keys(), ...turns.keys()]) {
      if (collected.get(id) === undefined) { own.delete(id); turns.delete(id) }
    }
    for (const id of askedAt.keys()) if (collected.get(id) === undefined) askedAt.delete(id)
    for (const o of collected.open()) {
      options.signal?.throwIfAborted()
      await offerOwn(o, options)
      await takeTurn(o, options)
    }
    metrics?.openOrders.set(collected.open().length)
  }

  return {
    async tick (options = {}) { await serial(async () => { await pass(options) }) },
    async start () {
      controller = new AbortController()
      const { signal } = controller
      gossip.handle('market', (msg) => {
        // judged here, inside gossipsub's validator and synchronously; a turn it makes ready waits in the queue
        const o = collected.receive(msg)
        store(o, msg)
        if (o.signatures.size >= needed(o.order.block)) void serial(async () => { await takeTurn(o, { signal }) })
      })
      loop = pollUntilAborted(async () => { await serial(async () => { await pass({ signal }) }) }, opts.pollIntervalMs, signal)
    },
    async stop () {
      controller?.abort()
      await loop
      await queue
    }
  }
}
