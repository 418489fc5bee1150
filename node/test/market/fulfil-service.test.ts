// Members' fulfils in turns (SPEC 18), on in-process members: the protocol's codec on a memory gossip bus,
// a clock the test moves, and a chain that checks fulfil as DataMarket does (open, before the deadline,
// signers recovered, ascending, members at the order's block, at least f+1). Each member gossips its own
// signature; once f+1 are held the first rank of keccak(orderId ‖ member) fulfils at once, the others find
// the order closed; a rank whose send fails is followed by the next, and retries once a full round later;
// an order the buyer fulfilled first is skipped; hostile and early messages are refused by code. Each
// member keeps the signatures in its own level database, so a restarted member still pays an order.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import type { Test } from 'tap'
import pino from 'pino'
import { toBeHex } from 'ethers'
import { recoverDeliveredSigner, signDelivered } from '#protocol/index.ts'
import type { DeliverySignature, Hex, OrderedEvent } from '#protocol/index.ts'
import { turnOrder } from '../../src/chain/turn-order.ts'
import { openDatabase } from '../../src/db/database.ts'
import type { Database } from '../../src/db/database.ts'
import { MarketSignatureRepository } from '../../src/db/market-signature-repository.ts'
import { createFulfilService } from '../../src/market/fulfil-service.ts'
import type { FulfilService } from '../../src/market/fulfil-service.ts'
import type { OrderStatus, SettlementChain } from '../../src/market/ports.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { until } from '../fixtures/memory-coordinators.ts'
import { createMemoryGossipBus, staticFollower } from '../fixtures/memory-network.ts'
import { CHAIN_ID, MEMBERS, OUTSIDER, REGISTRY } from '../fixtures/signed-reports.ts'

const MARKET = `0x${'4d'.repeat(20)}` as Hex
const TURN = 5000
const HEAD = 30
const follower = staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), { followedBlock: HEAD })
const members = MEMBERS.map((m) => m.address)
const logger = pino({ level: process.env.DEBUG_H38 === '1' ? 'debug' : 'silent' })
const wrapOf = (member: Hex): Hex => `0x${member.slice(2, 34).repeat(2)}` as Hex

function orderOf (orderId: bigint, over: Partial<OrderedEvent> = {}): OrderedEvent {
  return { orderId, buyer: OUTSIDER.address, product: `0x${'73'.repeat(32)}`, subject: `0x${'ab'.repeat(32)}`, buyerX25519Key: `0x${'01'.repeat(32)}`, price: 100n, deadline: HEAD + 20, block: HEAD - 5, ...over }
}

interface MemoryMarket extends SettlementChain { headBlock: number, orders: OrderedEvent[], statuses: Map<bigint, OrderStatus>, sends: Array<{ orderId: bigint, signers: Hex[] }>, failNext: Set<Hex> }

/** DataMarket's fulfil checks in memory; `failNext` makes a sender's next send fail (out of gas, a node down) */
function memoryMarket (): MemoryMarket {
  const m: MemoryMarket = {
    headBlock: HEAD - 10, orders: [], statuses: new Map(), sends: [], failNext: new Set(),
    head: async () => m.headBlock,
    ordered: async (from, to) => m.orders.filter((o) => o.block >= from && o.block <= to),
    deliveryBlocks: async () => 20,
    status: async (id) => m.statuses.get(id) ?? (m.orders.some((o) => o.orderId === id) ? 'open' : 'none'),
    fulfil: async () => { throw new Error('bound per member') }
  }
  return m
}

function bound (chain: MemoryMarket, sender: Hex): SettlementChain {
  return {
    ...chain,
    head: chain.head,
    fulfil: async (orderId, wrapHashes, signatures) => {
      if (chain.failNext.delete(sender)) throw new Error('send failed')
      if (await chain.status(orderId) !== 'open') throw new Error('DataMarketNotOpen')
      const signers = signatures.map((s, i) => recoverDeliveredSigner({ market: MARKET, orderId, wrapHash: wrapHashes[i] as Hex }, s, CHAIN_ID, REGISTRY))
      if (signers.some((s, i) => !members.includes(s) || (i > 0 && s <= (signers[i - 1] as Hex)))) throw new Error('DataMarketSignersNotAscending')
      if (signers.length < 2) throw new Error('DataMarketTooFewSigners')
      chain.statuses.set(orderId, 'fulfilled')
      chain.sends.push({ orderId, signers })
      return { tx: `0x${'cd'.repeat(32)}`, block: HEAD + 1 }
    }
  }
}

async function signatureOf (member: typeof MEMBERS[number], orderId: bigint): Promise<{ wrapHash: Hex, signature: Hex }> {
  const wrapHash = wrapOf(member.address)
  return { wrapHash, signature: await signDelivered({ market: MARKET, orderId, wrapHash }, CHAIN_ID, REGISTRY, member.wallet) }
}

interface Net { services: FulfilService[], bus: ReturnType<typeof createMemoryGossipBus>, chain: MemoryMarket, clock: { now: number }, metrics: Array<ReturnType<typeof createNodeMetrics>>, dbs: Database[] }

/** members `which` up, each delivered the orders in `delivers` (by member index) */
async function network (t: Test, which: number[], delivers: (i: number, order: OrderedEvent) => boolean): Promise<Net> {
  const bus = createMemoryGossipBus()
  const chain = memoryMarket()
  const clock = { now: 1_000_000 }
  const services: FulfilService[] = []
  const metrics: Net['metrics'] = []
  const dbs: Database[] = []
  const dir = await mkdtemp(join(tmpdir(), 'fulfil-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  for (const i of which) {
    const db = await openDatabase({ path: join(dir, String(i)) })
    t.teardown(async () => { await db.close() })
    const n = { chain, bus, clock } as Net
    const { service, m } = await startMember(t, n, i, db, delivers)
    services.push(service)
    metrics.push(m)
    dbs.push(db)
  }
  return { services, bus, chain, clock, metrics, dbs }
}

/** member `i` on the network, its signatures kept in `db`: started, and stopped at the test's end */
async function startMember (t: Test, n: Pick<Net, 'bus' | 'chain' | 'clock'>, i: number, db: Database, delivers: (i: number, order: OrderedEvent) => boolean): Promise<{ service: FulfilService, m: ReturnType<typeof createNodeMetrics> }> {
  const signer = MEMBERS[i] as typeof MEMBERS[number]
  const gossip = n.bus.join()
  const m = createNodeMetrics()
  const service = createFulfilService({ chainId: CHAIN_ID, registry: REGISTRY, market: MARKET, fromBlock: 1, confirmations: 1, pollIntervalMs: 3_600_000, turnMs: TURN, resendMs: 60_000 }, {
    self: signer.address, chain: bound(n.chain, signer.address), follower, gossip, logger, metrics: m.market, now: () => n.clock.now,
    signatures: new MarketSignatureRepository(db),
    ownDelivery: async (order) => delivers(i, order) ? await signatureOf(signer, order.orderId) : undefined
  })
  await service.start()
  await gossip.start()
  let stopped = false
  const stop = service.stop.bind(service)
  service.stop = async () => {
    if (stopped) return
    stopped = true
    await stop()
    await gossip.stop()
  }
  t.teardown(async () => { await service.stop() })
  return { service, m }
}

/** the orders are mined, and confirmed: the chain's head moves past them */
function place (n: Net, ...orders: OrderedEvent[]): void {
  n.chain.orders.push(...orders)
  n.chain.headBlock = HEAD
}
/** the bus delivers on the next turn of the event loop */
const delivered = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }
/** every member's pass, twice, the gossip of each delivered: the second waits for the turns the first one's gossip queued */
const tickAll = async (n: Net): Promise<void> => {
  for (let i = 0; i < 2; i++) {
    for (const s of n.services) await s.tick()
    await delivered()
  }
}
const tickOne = async (n: Net, address: Hex): Promise<void> => {
  for (let i = 0; i < 2; i++) {
    await n.services[indexOf(address)]?.tick()
    await delivered()
  }
}
const rankOf = (orderId: bigint): Hex[] => turnOrder(toBeHex(orderId, 32) as Hex, members)
const indexOf = (address: Hex): number => members.indexOf(address)
const outcomes = async (n: Net): Promise<string[]> => (await Promise.all(n.metrics.map(async (m) => (await m.market.fulfils.get()).values.filter((v) => v.value > 0).map((v) => `${v.labels.outcome}:${v.value}`)))).flat().toSorted()

tap.test('f+1 signatures gossiped: the order\'s first rank fulfils once with every signature held, the others find it closed', async (t) => {
  const n = await network(t, [0, 1, 2, 3], (i) => i < 3)
  place(n, orderOf(7n))
  await tickAll(n)
  t.equal(n.chain.sends.length, 0, 'f+1 held but not every member signed: the first rank waits a turn for signatures a moment behind')
  n.clock.now += TURN
  await tickAll(n)
  t.equal(n.chain.sends.length, 1, 'exactly one fulfil')
  const send = n.chain.sends[0]
  t.equal(send?.orderId, 7n)
  t.same(send?.signers.map(indexOf).toSorted(), [0, 1, 2], 'every member that delivered is paid, and only they')
  n.clock.now += 4 * TURN
  await tickAll(n)
  t.equal(n.chain.sends.length, 1, 'no second fulfil at the later ranks\' turns')
  // a signature that reached the sender after its fulfil is ignored, as is one sent before its receiver followed the order
  t.ok(n.bus.refused.every((code) => code === 'ORDER_CLOSED' || code === 'UNKNOWN_ORDER'), `only ignored as late or early: ${n.bus.refused.join(', ')}`)
})

tap.test('a rank whose send fails is followed by the next rank; each retries once a full round later, not more', async (t) => {
  const n = await network(t, [0, 1, 2, 3], () => true)
  const [first, second, third] = rankOf(8n) as [Hex, Hex, Hex]
  n.chain.failNext.add(first)
  n.chain.failNext.add(second)
  place(n, orderOf(8n))
  await tickAll(n)
  t.equal(n.chain.sends.length, 0, 'rank 0 failed at once')
  n.clock.now += TURN
  await tickOne(n, second)
  t.equal(n.chain.sends.length, 0, 'rank 1 failed at its turn')
  n.chain.failNext.add(first)
  n.clock.now += 3 * TURN
  await tickOne(n, first)
  t.equal(n.chain.sends.length, 0, 'rank 0\'s retry, a full round later, failed again')
  n.chain.failNext.add(second)
  n.clock.now += TURN
  await tickOne(n, second)
  t.equal(n.chain.sends.length, 0, 'rank 1\'s retry failed again')
  n.clock.now += 3 * TURN
  await tickOne(n, first)
  await tickOne(n, second)
  t.equal(n.chain.sends.length, 0, 'neither tries a third time')
  await tickOne(n, third)
  t.equal(n.chain.sends.length, 1, 'rank 2 pays the order')
  t.same(await outcomes(n), ['failed:2', 'failed:2', 'fulfilled:1'])
})

tap.test('an order its buyer fulfilled first, or one with f signatures, is not sent', async (t) => {
  const n = await network(t, [0, 1, 2, 3], (i, o) => o.orderId === 9n || i === 0)
  place(n, orderOf(9n), orderOf(10n))
  n.chain.statuses.set(9n, 'fulfilled')
  await tickAll(n)
  n.clock.now += 8 * TURN
  await tickAll(n)
  t.same(n.chain.sends, [], 'no fulfil: 9 was paid by its buyer, 10 has one signature of the 2 needed')
  const closed = await outcomes(n)
  t.ok(closed.length > 0 && closed.every((o) => o.startsWith('closed:')), `turns on 9 found it closed (${closed.join(', ')})`)
})

tap.test('a signature that arrives before its order is followed is held, and counts once the order is', async (t) => {
  const n = await network(t, [0, 1], () => true)
  const early: DeliverySignature = { type: 'delivery-signature', market: MARKET, orderId: '11', member: MEMBERS[2]?.address as Hex, ...await signatureOf(MEMBERS[2] as typeof MEMBERS[number], 11n) }
  const sender = n.bus.join()
  await sender.start()
  await sender.publish('market', early)
  await delivered()
  t.same(n.bus.refused, ['UNKNOWN_ORDER', 'UNKNOWN_ORDER'], 'ignored by both: order 11 is not confirmed here yet')
  place(n, orderOf(11n))
  await tickAll(n)
  n.clock.now += 4 * TURN
  await tickAll(n)
  t.equal(n.chain.sends.length, 1, 'paid')
  t.ok(n.chain.sends[0]?.signers.includes(MEMBERS[2]?.address as Hex), 'the held signature was among those paid')
})

tap.test('hostile signatures are refused by code', async (t) => {
  const n = await network(t, [0], () => false)
  place(n, orderOf(12n))
  await tickAll(n)
  const sender = n.bus.join()
  await sender.start()
  const m1 = MEMBERS[1] as typeof MEMBERS[number]
  const good: DeliverySignature = { type: 'delivery-signature', market: MARKET, orderId: '12', member: m1.address, ...await signatureOf(m1, 12n) }
  await sender.publish('market', { ...good, market: `0x${'4e'.repeat(20)}` })
  await sender.publish('market', { ...good, member: OUTSIDER.address, signature: (await signDelivered({ market: MARKET, orderId: 12n, wrapHash: good.wrapHash }, CHAIN_ID, REGISTRY, OUTSIDER.wallet)) })
  await sender.publish('market', { ...good, wrapHash: `0x${'99'.repeat(32)}` })
  await sender.publish('market', good)
  await sender.publish('market', { ...good, wrapHash: wrapOf(MEMBERS[2]?.address as Hex), signature: await signDelivered({ market: MARKET, orderId: 12n, wrapHash: wrapOf(MEMBERS[2]?.address as Hex) }, CHAIN_ID, REGISTRY, m1.wallet) })
  await delivered()
  t.same(n.bus.refused, ['WRONG_MARKET', 'NOT_MEMBER', 'SIGNER_MISMATCH', 'DUPLICATE'])
})

tap.test('a member that has not delivered an order looks for its delivery again every recheckMs, not at every pass', async (t) => {
  let ready = false
  let asks = 0
  const n = await network(t, [0, 1], (i) => {
    if (i === 1) asks++
    return i === 0 || ready
  })
  place(n, orderOf(13n))
  await tickAll(n)
  t.equal(asks, 1, 'asked at its first pass, not at the second')
  ready = true
  n.clock.now += 4999
  await tickAll(n)
  t.equal(asks, 1, 'not asked again before 5 s')
  n.clock.now += 1
  await tickAll(n)
  t.equal(asks, 2, 'asked again at 5 s, and found')
  n.clock.now += 4 * TURN
  await tickAll(n)
  t.equal(asks, 2, 'a delivery found is not asked for again')
  t.equal(n.chain.sends.length, 1, 'two signatures: the order is paid at the first turn of a member up')
})

const firstTwo = (i: number): boolean => i < 2

tap.test('a restarted member still pays an order with the signatures it stored before it went down', async (t) => {
  // members 0 and 1 deliver (f+1 = 2); member 2 only collects, restarts, and is the one left to pay
  const n = await network(t, [0, 1, 2], firstTwo)
  place(n, orderOf(14n))
  await tickAll(n)
  const db = n.dbs[2] as Database
  // stored without waiting for the write (as above): wait for both, bounded
  const stored = await until('both deliverers\' signatures stored', async () => {
    const held = await new MarketSignatureRepository(db).list(MARKET, orderOf(14n))
    return held.length >= 2 ? held : undefined
  }, 10_000)
  t.same(stored.map((s) => s.member).toSorted(), members.slice(0, 2).toSorted(), 'both deliverers\' signatures stored')
  // everyone stops: the deliverers never gossip again, and member 2 comes back with an empty memory
  for (const s of n.services) await s.stop()
  const { service, m } = await startMember(t, n, 2, db, firstTwo)
  await service.tick()
  t.equal(n.chain.sends.length, 0, 'f+1 held again at once, from storage: the turns start now')
  n.clock.now += 5 * TURN
  await service.tick()
  t.equal(n.chain.sends.length, 1, 'the restarted member fulfilled')
  t.same(n.chain.sends[0]?.signers.map(indexOf).toSorted(), [0, 1], 'with both stored signatures, judged again')
  t.same((await m.market.fulfils.get()).values.filter((v) => v.value > 0).map((v) => `${v.labels.outcome}:${v.value}`), ['fulfilled:1'])
})

tap.test('stored signatures are collected once their order\'s deadline is past', async (t) => {
  const n = await network(t, [0, 1], () => true)
  place(n, orderOf(15n, { deadline: HEAD + 2 }))
  await tickAll(n)
  const repo = new MarketSignatureRepository(n.dbs[0] as Database)
  // the service stores a signature without waiting for the write (a lost one is gossiped again): wait for it, bounded
  const stored = await until('member 1\'s signature stored', async () => {
    const held = await repo.list(MARKET, orderOf(15n, { deadline: HEAD + 2 }))
    return held.length > 0 ? held : undefined
  }, 10_000)
  t.equal(stored.length, 1, 'member 1\'s signature stored by member 0 (its own is read from its deliveries)')
  n.chain.headBlock = HEAD + 3
  await tickAll(n)
  t.equal((await repo.list(MARKET, orderOf(15n, { deadline: HEAD + 2 }))).length, 0, 'deleted once the head passed the deadline')
})
