// Members deliver an epoch feed order on anvil (SPEC 18, feeds): every member that holds the anchored epoch
// builds the same feed bytes, stores the same encrypted blocks under one CID and wraps the feed's key to the
// order's buyer key, bound to the feed's sha256; the wraps open to a key that decrypts the blocks to the
// vector's feed, and two members' signatures (f+1 of 4) fulfil the order. A member lacking one of the
// epoch's reports waits and delivers once it arrives; an epoch not anchored waits; a subject that names no
// epoch gets no delivery; the fulfil service finds each member's own feed signature.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import pino from 'pino'
import { bytesToHex } from '@noble/hashes/utils.js'
import { CID } from 'multiformats/cid'
import { Contract, MaxUint256, parseEther } from 'ethers'
import type { Wallet } from 'ethers'
import { ascending, lower, mineTo, mined, operator, startMarketChain } from '../../../contracts/test/market-chain.ts'
import { FEED_PRODUCT, feedSubject, parseFeed } from '#protocol/feed/index.ts'
import { generateX25519KeyPair, recoverDeliveredSigner, unwrapOrderWrap } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import { decryptSample } from '../../src/crypto/convergent.ts'
import { AnchorRepository } from '../../src/db/anchor-repository.ts'
import { DeliveryRepository } from '../../src/db/delivery-repository.ts'
import { openDatabase, ReportRepository, SampleRepository } from '../../src/db/index.ts'
import type { Database } from '../../src/db/index.ts'
import { createDeliveryService } from '../../src/market/delivery-service.ts'
import { createFeedSource } from '../../src/market/feed-source.ts'
import { FeedBlockRepository } from '../../src/db/feed-block-repository.ts'
import { createMarketChain } from '../../src/market/market-chain.ts'
import { createOwnDelivery } from '../../src/market/own-delivery.ts'
import { FEED_VECTOR, holdEpoch, memoryBlocks } from './feed-fixture.ts'

const c = await startMarketChain({ deliveryBlocks: 20 })
const dir = await mkdtemp(join(tmpdir(), 'virusmap-feed-'))
const logger = pino({ level: 'silent' })
const members: Wallet[] = []
for (let i = 0; i < 4; i++) members.push(await operator(c))
const market = lower(await c.market.getAddress())
const vendor = await c.provider.getSigner(1)
const price = parseEther('3')
await mined(c.market.getFunction('setVendor')(await vendor.getAddress(), true))
await mined(c.market.getFunction('setPrice')(FEED_PRODUCT, price))
await mined(c.vmt.getFunction('transfer')(await vendor.getAddress(), parseEther('100')))
await mined((c.vmt.connect(vendor) as Contract).getFunction('approve')(market, MaxUint256))
const follower = createRegistryFollower({ provider: c.provider, registry: c.registryAddress, fromBlock: 1, confirmations: 0, pollIntervalMs: 50, logger })
await follower.start()

const LACKED = FEED_VECTOR.reports[1]!.jobId
const dbs: Database[] = []
async function memberNode (w: Wallet, name: string, lacking: Hex[] = []): Promise<{ service: ReturnType<typeof createDeliveryService>, blocks: ReturnType<typeof memoryBlocks>, db: Database }> {
  const db = await openDatabase({ path: join(dir, name) })
  dbs.push(db)
  await holdEpoch(db, lacking)
  const blocks = memoryBlocks()
  const service = createDeliveryService({ chainId: c.chainId, registry: c.registryAddress, market, fromBlock: 0, confirmations: 1, pollIntervalMs: 50 }, {
    self: lower(w.address), operator: w, chain: createMarketChain({ provider: c.provider, address: market }), follower, samples: new SampleRepository(db),
    feeds: createFeedSource({ anchors: new AnchorRepository(db), reports: new ReportRepository(db), blocks, records: new FeedBlockRepository(db), samples: new SampleRepository(db) }), deliveries: new DeliveryRepository(db), logger
  })
  return { service, blocks, db }
}
const nodes = await Promise.all(members.map(async (w, i) => await memberNode(w, `m${i}`, i === 3 ? [LACKED] : [])))
t.teardown(async () => {
  await follower.stop()
  for (const db of dbs) await db.close()
  await c.stop()
  await rm(dir, { recursive: true, force: true })
})

async function order (subject: Hex, buyerKey: Hex): Promise<bigint> {
  const id = (await c.market.getFunction('terms')())[3] as bigint
  await mined((c.market.connect(vendor) as Contract).getFunction('order')(FEED_PRODUCT, subject, buyerKey, price))
  return id
}
async function settle (): Promise<void> {
  const h = Number(await c.provider.send('eth_blockNumber', []))
  await mineTo(c, h + 1)
  await follower.waitFor(h + 1)
}
const buyer = generateX25519KeyPair()
const buyerKey = `0x${bytesToHex(buyer.publicKey)}` as Hex

t.test('members that hold the anchored epoch deliver the same feed; their wraps open to its key and two signatures fulfil', async (tt) => {
  const id = await order(feedSubject(FEED_VECTOR.epoch), buyerKey)
  await settle()
  for (const n of nodes) await n.service.tick()
  const got = await Promise.all(nodes.map(async (n) => await n.service.delivery(id)))
  tt.equal(got[3], undefined, 'a member lacking one of the epoch\'s reports waits')
  const delivered = got.slice(0, 3).map((d) => d!)
  tt.same(new Set(delivered.map((d) => d.sha256)), new Set([FEED_VECTOR.sha256]), 'every delivery names the vector feed\'s sha256')
  tt.equal(new Set(delivered.map((d) => d.cid)).size, 1, 'one CID: the same encrypted blocks at every member')
  for (const [i, d] of delivered.entries()) {
    const member = lower(members[i]!.address)
    const key = unwrapOrderWrap(d.wrap, buyer.secretKey, { chainId: c.chainId, market, orderId: id, sha256: FEED_VECTOR.sha256, member })
    const bytes = await decryptSample(CID.parse(d.cid), key, async (cid) => nodes[i]!.blocks.get(cid)!)
    tt.equal(new TextDecoder().decode(bytes), FEED_VECTOR.feed, `member ${i}'s wrap opens to the key of the vector's feed`)
    tt.equal(parseFeed(bytes, FEED_VECTOR.epoch).length, 3)
    tt.equal(recoverDeliveredSigner({ market, orderId: id, wrapHash: d.wrapHash }, d.signature, c.chainId, c.registryAddress), member)
  }
  const own = createOwnDelivery({ market, deliveries: new DeliveryRepository(nodes[0]!.db) })
  tt.same(await own({ orderId: id, buyer: lower(await vendor.getAddress()), product: FEED_PRODUCT, subject: feedSubject(FEED_VECTOR.epoch), buyerX25519Key: buyerKey, price, deadline: 0, block: 0 }),
    { wrapHash: delivered[0]!.wrapHash, signature: delivered[0]!.signature }, 'the fulfil service finds the member\'s own feed signature')
  const two = ascending(members.slice(0, 2)).map((w) => delivered[members.indexOf(w)]!)
  await mined(c.market.getFunction('fulfil')(id, two.map((d) => d.wrapHash), two.map((d) => d.signature)))
  tt.equal((await c.market.getFunction('orderOf')(id))[3], 2n, 'fulfilled')

  await new ReportRepository(nodes[3]!.db).put(FEED_VECTOR.reports[1]!)
  await new AnchorRepository(nodes[3]!.db).assignJobs(FEED_VECTOR.epoch, FEED_VECTOR.reports.map((r) => r.jobId).toSorted(), [], [])
  await nodes[3]!.service.tick()
  const late = await nodes[3]!.service.delivery(id)
  tt.equal(late?.sha256, FEED_VECTOR.sha256, 'delivered once the missing report arrived')
  tt.equal(late?.cid, delivered[0]!.cid)
})

t.test('an epoch not anchored here waits; a subject that names no epoch gets nothing; a lapsed wait is dropped', async (tt) => {
  const unanchored = await order(feedSubject(FEED_VECTOR.epoch + 1), buyerKey)
  const huge = await order(`0x${'ff'.repeat(32)}`, buyerKey)
  await settle()
  const n = nodes[0]!
  await n.service.tick()
  tt.equal(await n.service.delivery(unanchored), undefined, 'not anchored: nothing yet')
  tt.equal(await n.service.delivery(huge), undefined, 'no epoch: nothing')
  const waiting = (await new DeliveryRepository(n.db).waiting(market)).map((o) => o.orderId)
  tt.ok(waiting.includes(unanchored), 'the unanchored epoch\'s order waits')
  tt.notOk(waiting.includes(huge), 'the order naming no epoch does not')
  const deadline = Number((await c.market.getFunction('orderOf')(unanchored))[2])
  await mineTo(c, deadline + 1)
  await n.service.tick()
  tt.notOk((await new DeliveryRepository(n.db).waiting(market)).some((o) => o.orderId === unanchored), 'dropped at its deadline')
})

t.test('the feed source builds nothing for an epoch whose anchored jobs are not matched yet, and follows the anchored root', async (tt) => {
  const db = await openDatabase({ path: join(dir, 'unmatched') })
  dbs.push(db)
  const anchors = new AnchorRepository(db)
  await anchors.recordAnchored({ epoch: 5, root: `0x${'ab'.repeat(32)}`, leafCount: 1, block: 1, tx: `0x${'cd'.repeat(32)}`, submitter: `0x${'ef'.repeat(20)}` })
  const blocks = memoryBlocks()
  const source = createFeedSource({ anchors, reports: new ReportRepository(db), blocks, records: new FeedBlockRepository(db), samples: new SampleRepository(db) })
  tt.equal(await source.feed(5), undefined, 'the root is not matched to its jobs')
  tt.equal(await source.feed(6), undefined, 'not anchored')
  await anchors.assignJobs(5, [], [], [])
  const empty = await source.feed(5)
  tt.equal(empty?.sha256, '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'an anchored epoch without flagged reports is the empty feed')
  tt.equal(blocks.size, 2, 'its one sealed chunk and manifest')
  // a reorg takes the anchor back and another root of the epoch is anchored: another feed, not the one built before
  await anchors.forgetAnchoredAfter(0)
  tt.equal(await source.feed(5), undefined, 'no anchor after the reorg')
  for (const r of FEED_VECTOR.reports) await new ReportRepository(db).put(r)
  await anchors.recordAnchored({ epoch: 5, root: `0x${'12'.repeat(32)}`, leafCount: FEED_VECTOR.reports.length, block: 3, tx: `0x${'cd'.repeat(32)}`, submitter: `0x${'ef'.repeat(20)}` })
  await anchors.assignJobs(5, FEED_VECTOR.reports.map((r) => r.jobId).toSorted(), [], [])
  const again = await source.feed(5)
  tt.not(again?.sha256, empty?.sha256, 'the new root\'s reports make the feed')
  tt.equal(again?.size, new TextEncoder().encode(FEED_VECTOR.feed.replaceAll('"epoch":1,', '"epoch":5,')).byteLength, 'epoch 5\'s lines of the vector\'s reports')
})
