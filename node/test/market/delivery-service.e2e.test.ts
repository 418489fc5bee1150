// The delivery service on anvil (SPEC 18): members that hold a bought sample each deliver their own wrap
// of its content key to the order's buyer key, which opens to the key, and their Delivered signatures
// fulfil the order on DataMarket; a restart serves the same stored wrap; an outsider, a node without the
// sample, another product, a lapsed order and a buyer key that is no X25519 point get no delivery. An
// order for a sample that arrives later is delivered when it arrives, also after a restart in between,
// and dropped at its deadline if it never does.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import pino from 'pino'
import { bytesToHex } from '@noble/hashes/utils.js'
import { Contract, MaxUint256, parseEther } from 'ethers'
import type { Wallet } from 'ethers'
import { ascending, key, lower, mineTo, mined, operator, rand32, startMarketChain } from '../../../contracts/test/market-chain.ts'
import { generateX25519KeyPair, orderWrapHash, recoverDeliveredSigner, unwrapOrderWrap } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import { DeliveryRepository } from '../../src/db/delivery-repository.ts'
import { openDatabase, SampleRepository } from '../../src/db/index.ts'
import type { Database } from '../../src/db/index.ts'
import { SAMPLE_PRODUCT } from '../../src/market/delivery.ts'
import { createDeliveryService } from '../../src/market/delivery-service.ts'
import { createMarketChain } from '../../src/market/market-chain.ts'
import type { MarketChain } from '../../src/market/ports.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'

const c = await startMarketChain({ deliveryBlocks: 10 })
const dir = await mkdtemp(join(tmpdir(), 'virusmap-market-'))
const logger = pino({ level: 'silent' })
const members: Wallet[] = []
for (let i = 0; i < 4; i++) members.push(await operator(c))
const outsider = await operator(c, false)
const marketAddress = lower(await c.market.getAddress())
const vendorSigner = await c.provider.getSigner(1)
const asVendor = c.market.connect(vendorSigner) as Contract
const price = parseEther('5')
await mined(c.market.getFunction('setVendor')(await vendorSigner.getAddress(), true))
await mined(c.market.getFunction('setPrice')(SAMPLE_PRODUCT, price))
await mined(c.market.getFunction('setPrice')(key('feed'), price))
await mined(c.vmt.getFunction('transfer')(await vendorSigner.getAddress(), parseEther('100')))
await mined((c.vmt.connect(vendorSigner) as Contract).getFunction('approve')(marketAddress, MaxUint256))

const follower = createRegistryFollower({ provider: c.provider, registry: c.registryAddress, fromBlock: 1, confirmations: 0, pollIntervalMs: 50, logger })
await follower.start()
const SHA256 = rand32()
const CONTENT_KEY = rand32()
const sample = { sha256: SHA256, sha1: `0x${'11'.repeat(20)}` as Hex, md5: `0x${'22'.repeat(16)}` as Hex, size: 10, fileType: 'text', cid: 'bafytest', contentKey: CONTENT_KEY, seenAt: 1 }

const dbs = new Map<string, Database>()
const metrics = createNodeMetrics()
async function nodeFor (w: Wallet, dbPath: string, holds: boolean, chain: MarketChain = createMarketChain({ provider: c.provider, address: marketAddress })): Promise<ReturnType<typeof createDeliveryService>> {
  const db = await openDatabase({ path: join(dir, dbPath) })
  dbs.set(dbPath, db)
  const samples = new SampleRepository(db)
  if (holds) await samples.recordUpload(sample)
  return createDeliveryService({ chainId: c.chainId, registry: c.registryAddress, market: marketAddress, fromBlock: 0, confirmations: 1, pollIntervalMs: 50 },
    { self: lower(w.address), operator: w, chain, follower, samples, deliveries: new DeliveryRepository(db), logger, metrics: metrics.market })
}
t.teardown(async () => {
  await follower.stop()
  for (const db of dbs.values()) await db.close()
  await c.stop()
  await rm(dir, { recursive: true, force: true })
})

async function order (product: Hex, buyerKey: Hex): Promise<bigint> {
  const id = (await c.market.getFunction('terms')())[3] as bigint
  await mined(asVendor.getFunction('order')(product, SHA256, buyerKey, price))
  return id
}
/** the confirmed head past the newest order, membership followed to it */
async function settle (): Promise<void> {
  const h = Number(await c.provider.send('eth_blockNumber', []))
  await mineTo(c, h + 1)
  await follower.waitFor(h + 1)
}

const nodes = await Promise.all(members.map(async (w, i) => await nodeFor(w, `m${i}`, i < 3)))
const stranger = await nodeFor(outsider, 'outsider', true)

t.test('f+1 holders deliver wraps that open to the content key, and their signatures fulfil the order', async (tt) => {
  const buyer = generateX25519KeyPair()
  const id = await order(SAMPLE_PRODUCT, `0x${bytesToHex(buyer.publicKey)}`)
  await settle()
  for (const n of [...nodes, stranger]) await n.tick()
  const got = await Promise.all(nodes.map(async (n) => await n.delivery(id)))
  tt.equal(got[3], undefined, 'a member without the sample delivers nothing')
  tt.equal(await stranger.delivery(id), undefined, 'a non-member delivers nothing')
  const delivered = got.slice(0, 3).map((d) => d!)
  for (const [i, d] of delivered.entries()) {
    const member = lower(members[i]!.address)
    tt.equal(d.member, member)
    tt.equal(d.wrapHash, orderWrapHash(d.wrap))
    const opened = unwrapOrderWrap(d.wrap, buyer.secretKey, { chainId: c.chainId, market: marketAddress, orderId: id, sha256: SHA256, member })
    tt.equal(`0x${bytesToHex(opened)}`, CONTENT_KEY, `member ${i}'s wrap opens to the content key`)
    tt.equal(recoverDeliveredSigner({ market: marketAddress, orderId: id, wrapHash: d.wrapHash }, d.signature, c.chainId, c.registryAddress), member)
  }
  tt.equal(new Set(delivered.map((d) => d.wrapHash)).size, 3, 'each member its own wrap')
  const two = ascending(members.slice(0, 2)).map((w) => delivered[members.indexOf(w)]!)
  await mined(c.market.getFunction('fulfil')(id, two.map((d) => d.wrapHash), two.map((d) => d.signature)))
  tt.equal((await c.market.getFunction('orderOf')(id))[3], 2n, 'fulfilled')
  const counted = Object.fromEntries((await metrics.market.orders.get()).values.map((v) => [v.labels.outcome, v.value]))
  tt.same(counted, { delivered: 3, waiting: 1, 'not-member': 1 }, 'virusmap_market_orders_total by outcome')
})

t.test('a restart over the same database serves the same wrap, signing nothing new', async (tt) => {
  const buyer = generateX25519KeyPair()
  const id = await order(SAMPLE_PRODUCT, `0x${bytesToHex(buyer.publicKey)}`)
  await settle()
  await nodes[0]!.tick()
  const first = await nodes[0]!.delivery(id)
  await dbs.get('m0')!.close()
  const again = await nodeFor(members[0]!, 'm0', false)
  await again.tick()
  tt.same(await again.delivery(id), first)
})

t.test('another product, a buyer key that is no X25519 point and a lapsed order get no delivery', async (tt) => {
  const buyer = generateX25519KeyPair()
  const feed = await order(key('feed') as Hex, `0x${bytesToHex(buyer.publicKey)}`)
  const lowOrder = await order(SAMPLE_PRODUCT, `0x${'00'.repeat(32)}`)
  const early = await nodeFor(members[1]!, 'early', true)
  await settle()
  await early.tick()
  tt.equal(await early.delivery(feed), undefined, 'a feed is not a sample')
  tt.equal(await early.delivery(lowOrder), undefined, 'a low-order buyer key')
  const lapsed = await order(SAMPLE_PRODUCT, `0x${bytesToHex(buyer.publicKey)}`)
  const deadline = Number((await c.market.getFunction('orderOf')(lapsed))[2])
  await mineTo(c, deadline + 2)
  await follower.waitFor(deadline + 1)
  const late = await nodeFor(members[1]!, 'late', true)
  await late.tick()
  tt.equal(await late.delivery(lapsed), undefined, 'past its deadline')
})

t.test('the service polls on its own between start and stop', async (tt) => {
  const buyer = generateX25519KeyPair()
  const running = await nodeFor(members[2]!, 'running', true)
  await running.start()
  const id = await order(SAMPLE_PRODUCT, `0x${bytesToHex(buyer.publicKey)}`)
  await settle()
  let d
  for (let i = 0; i < 100 && d === undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    d = await running.delivery(id)
  }
  await running.stop()
  tt.equal(d?.member, lower(members[2]!.address))
})

const outcomes = async (): Promise<Record<string, number>> => Object.fromEntries((await metrics.market.orders.get()).values.map((v) => [v.labels.outcome, v.value]))

t.test('an order for a sample that arrives after it is delivered when the sample arrives', async (tt) => {
  const buyer = generateX25519KeyPair()
  const late = await nodeFor(members[3]!, 'arrives-later', false)
  const id = await order(SAMPLE_PRODUCT, `0x${bytesToHex(buyer.publicKey)}`)
  await settle()
  await late.tick()
  tt.equal(await late.delivery(id), undefined, 'nothing to wrap yet')
  await new SampleRepository(dbs.get('arrives-later')!).recordUpload(sample)
  await late.tick()
  const d = await late.delivery(id)
  const member = lower(members[3]!.address)
  tt.equal(`0x${bytesToHex(unwrapOrderWrap(d!.wrap, buyer.secretKey, { chainId: c.chainId, market: marketAddress, orderId: id, sha256: SHA256, member }))}`, CONTENT_KEY, 'the wrap opens to the content key')
})

t.test('a member restarted while an order waits for its sample resumes where it stopped and delivers it', async (tt) => {
  const buyer = generateX25519KeyPair()
  const before = await nodeFor(members[3]!, 'restarted', false)
  const id = await order(SAMPLE_PRODUCT, `0x${bytesToHex(buyer.publicKey)}`)
  await settle()
  await before.tick()
  tt.equal(await before.delivery(id), undefined)
  const stored = await new DeliveryRepository(dbs.get('restarted')!).cursor(marketAddress)
  tt.ok(stored !== undefined && stored > 0, 'the next block is stored')
  // the member goes down; the sample reaches its store before it is back
  await dbs.get('restarted')!.close()
  const real = createMarketChain({ provider: c.provider, address: marketAddress })
  const reads: number[] = []
  const after = await nodeFor(members[3]!, 'restarted', true, { head: real.head, ordered: async (from, to, o) => { reads.push(from); return await real.ordered(from, to, o) } })
  await after.tick()
  tt.equal((await after.delivery(id))?.member, lower(members[3]!.address), 'delivered after the restart, from the stored waiting order')
  tt.ok(reads.every((from) => from >= stored!), `no block before ${stored} is read again (${reads.join(', ')})`)
  tt.same(await new DeliveryRepository(dbs.get('restarted')!).waiting(marketAddress), [], 'nothing waits any more')
})

t.test('an order whose sample never arrives is dropped at its deadline, and not delivered after', async (tt) => {
  const buyer = generateX25519KeyPair()
  const never = await nodeFor(members[3]!, 'never', false)
  const id = await order(SAMPLE_PRODUCT, `0x${bytesToHex(buyer.publicKey)}`)
  await settle()
  await never.tick()
  const dropped = (await outcomes())['not-held'] ?? 0
  const deadline = Number((await c.market.getFunction('orderOf')(id))[2])
  await mineTo(c, deadline + 1)
  await never.tick()
  // earlier tests' orders this member waited on lapse with it
  tt.ok(((await outcomes())['not-held'] ?? 0) > dropped, 'counted not-held once the deadline passed')
  await new SampleRepository(dbs.get('never')!).recordUpload(sample)
  await never.tick()
  tt.equal(await never.delivery(id), undefined, 'a lapsed order gets nothing')
})
