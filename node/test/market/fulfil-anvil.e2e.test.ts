// Members pay themselves on anvil (SPEC 18): four members with the real DataMarket, registry follower,
// delivery services and databases, their fulfil services on the protocol's codec over a memory gossip bus,
// each sending through its own SerialSigner. A vendor orders a sample three members hold and never calls
// fulfil: the members' Delivered signatures meet on the market topic and exactly one fulfil transaction,
// by the order's first rank, pays the three that delivered, the discoverer's share and the burn, summing
// to the price; the other ranks' turns find the order closed and send nothing.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import pino from 'pino'
import { bytesToHex } from '@noble/hashes/utils.js'
import { Contract, MaxUint256, parseEther, toBeHex } from 'ethers'
import type { Wallet } from 'ethers'
import { lower, mined, mineTo, operator, rand32, startMarketChain } from '../../../contracts/test/market-chain.ts'
import { generateX25519KeyPair } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import { SerialSigner } from '../../src/chain/serial-signer.ts'
import { turnOrder } from '../../src/chain/turn-order.ts'
import { DeliveryRepository } from '../../src/db/delivery-repository.ts'
import { MarketSignatureRepository } from '../../src/db/market-signature-repository.ts'
import { openDatabase, SampleRepository } from '../../src/db/index.ts'
import type { Database } from '../../src/db/index.ts'
import { SAMPLE_PRODUCT } from '../../src/market/delivery.ts'
import { createDeliveryService } from '../../src/market/delivery-service.ts'
import type { DeliveryService } from '../../src/market/delivery-service.ts'
import { createFulfilService } from '../../src/market/fulfil-service.ts'
import type { FulfilService } from '../../src/market/fulfil-service.ts'
import { createMarketChain, createSettlementChain } from '../../src/market/market-chain.ts'
import { createOwnDelivery } from '../../src/market/own-delivery.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import type { Gossip } from '../../src/network/gossip.ts'
import { createMemoryGossipBus } from '../fixtures/memory-network.ts'

const TURN_MS = 300
const c = await startMarketChain({ deliveryBlocks: 40 })
const dir = await mkdtemp(join(tmpdir(), 'virusmap-fulfil-'))
const logger = pino({ level: 'silent' })
const members: Wallet[] = []
for (let i = 0; i < 4; i++) members.push(await operator(c))
const marketAddress = lower(await c.market.getAddress())
const vendorSigner = await c.provider.getSigner(1)
const vendor = lower(await vendorSigner.getAddress())
const price = parseEther('5')
await mined(c.market.getFunction('setVendor')(vendor, true))
await mined(c.market.getFunction('setPrice')(SAMPLE_PRODUCT, price))
await mined(c.vmt.getFunction('transfer')(vendor, parseEther('100')))
await mined((c.vmt.connect(vendorSigner) as Contract).getFunction('approve')(marketAddress, MaxUint256))

const follower = createRegistryFollower({ provider: c.provider, registry: c.registryAddress, fromBlock: 1, confirmations: 0, pollIntervalMs: 50, logger })
await follower.start()
const SHA256 = rand32()
const sample = { sha256: SHA256, sha1: `0x${'11'.repeat(20)}` as Hex, md5: `0x${'22'.repeat(16)}` as Hex, size: 10, fileType: 'text', cid: 'bafytest', contentKey: rand32(), seenAt: 1 }
const bus = createMemoryGossipBus()
const metrics = members.map(() => createNodeMetrics())
const dbs: Database[] = []
const nodes: Array<{ self: Hex, delivery: DeliveryService, fulfils: FulfilService, gossip: Gossip }> = []
for (const [i, w] of members.entries()) {
  const db = await openDatabase({ path: join(dir, `m${i}`) })
  dbs.push(db)
  const samples = new SampleRepository(db)
  if (i < 3) await samples.recordUpload(sample)
  const deliveries = new DeliveryRepository(db)
  const self = lower(w.address)
  const delivery = createDeliveryService({ chainId: c.chainId, registry: c.registryAddress, market: marketAddress, fromBlock: 0, confirmations: 1, pollIntervalMs: 60_000 },
    { self, operator: w, chain: createMarketChain({ provider: c.provider, address: marketAddress }), follower, samples, deliveries, logger, metrics: metrics[i]?.market })
  const gossip = bus.join()
  const fulfils = createFulfilService({ chainId: c.chainId, registry: c.registryAddress, market: marketAddress, fromBlock: 0, confirmations: 1, pollIntervalMs: 60_000, turnMs: TURN_MS }, {
    self, chain: createSettlementChain({ provider: c.provider, address: marketAddress, signer: new SerialSigner(w) }), follower, gossip, logger, metrics: metrics[i]?.market,
    ownDelivery: createOwnDelivery({ market: marketAddress, deliveries }), signatures: new MarketSignatureRepository(db)
  })
  await fulfils.start()
  await gossip.start()
  nodes.push({ self, delivery, fulfils, gossip })
}
t.teardown(async () => {
  for (const n of nodes) { await n.fulfils.stop(); await n.gossip.stop() }
  await follower.stop()
  for (const db of dbs) await db.close()
  await c.stop()
  await rm(dir, { recursive: true, force: true })
})

const balance = async (a: string): Promise<bigint> => await c.vmt.getFunction('balanceOf')(a) as bigint
const BURN = '0x000000000000000000000000000000000000dEaD'
const settled = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }
async function passes (): Promise<void> {
  for (let i = 0; i < 2; i++) {
    for (const n of nodes) await n.fulfils.tick()
    await settled()
  }
}

t.test('three members deliver, the buyer never fulfils: one fulfil by the first rank pays them, and the split sums to the price', async (tt) => {
  const accounts = [...members.map((w) => w.address), await c.rewards.getAddress(), BURN, marketAddress]
  const before = await Promise.all(accounts.map(balance))
  const orderId = (await c.market.getFunction('terms')())[3] as bigint
  const placed = await mined((c.market.connect(vendorSigner) as Contract).getFunction('order')(SAMPLE_PRODUCT, SHA256, `0x${bytesToHex(generateX25519KeyPair().publicKey)}`, price))
  const h = placed.blockNumber
  await mineTo(c, h + 1)
  await follower.waitFor(h + 1)
  for (const n of nodes) await n.delivery.tick()
  await passes()
  // the first rank's turn begins one turn after f+1 signatures were held (not every member delivered)
  await new Promise((resolve) => setTimeout(resolve, TURN_MS + 50))
  await passes()
  // every rank's turn has begun, twice over: the others find the order closed
  await new Promise((resolve) => setTimeout(resolve, TURN_MS * 2 * members.length))
  await passes()

  const filter = c.market.filters.Fulfilled?.(orderId)
  const events = filter === undefined ? [] : await c.market.queryFilter(filter, h)
  tt.equal(events.length, 1, 'one Fulfilled event')
  const senders = new Set<string>()
  for (let b = h + 1; b <= await c.provider.getBlockNumber(); b++) {
    for (const hash of (await c.provider.getBlock(b))?.transactions ?? []) {
      const tx = await c.provider.getTransaction(hash)
      if (tx?.to?.toLowerCase() === marketAddress && tx.data.startsWith(c.market.interface.getFunction('fulfil')?.selector ?? '0x')) senders.add(`${tx.from.toLowerCase()}/${hash}`)
    }
  }
  tt.equal(senders.size, 1, 'exactly one fulfil transaction was sent')
  const first = turnOrder(toBeHex(orderId, 32) as Hex, members.map((w) => lower(w.address)))[0]
  tt.equal([...senders][0]?.split('/')[0], first, 'sent by the order\'s first rank')
  tt.equal((await c.market.getFunction('orderOf')(orderId))[3], 2n, 'fulfilled')
  tt.equal(await balance(vendor), parseEther('95'), 'the vendor paid the price once, and has nothing back')

  const after = await Promise.all(accounts.map(balance))
  const delta = after.map((a, i) => a - (before[i] as bigint))
  const perMember = price * 6000n / 10_000n / 3n
  tt.same(delta.slice(0, 3), [perMember, perMember, perMember], 'each of the three that delivered got an equal share')
  tt.equal(delta[3], 0n, 'the member without the sample got nothing')
  tt.equal(delta[4], price * 2500n / 10_000n, 'the discoverer\'s share went to the rewards pool')
  tt.equal((delta[0] as bigint) * 3n + (delta[4] as bigint) + (delta[5] as bigint), price, 'members, discoverer and burn sum to the price')
  tt.equal(delta[6], 0n, 'nothing left in escrow')
  const outcomes = (await Promise.all(metrics.map(async (m) => (await m.market.fulfils.get()).values))).flat().filter((v) => v.value > 0)
  tt.same(outcomes.filter((v) => v.labels.outcome === 'fulfilled').map((v) => v.value), [1], 'virusmap_market_fulfils_total{outcome=fulfilled} once across the members')
  tt.same(outcomes.filter((v) => v.labels.outcome === 'failed'), [], 'no failed send')
})
