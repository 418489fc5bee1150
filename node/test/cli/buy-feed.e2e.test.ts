// `virusmap buy --feed EPOCH` on anvil against members' real delivery services (with feed sources) behind
// real API servers: the buyer takes the digest f+1 members signed, checks and decrypts their deliveries,
// writes the vector's JSON lines and pays f+1 members; a member delivering another feed (its own signature,
// another digest) is outvoted and named; an epoch not anchored yet ends in NETWORK keeping the order key,
// and --resume gets the feed once the epoch is anchored; malformed input is refused before any VMT moves.
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import type { CID } from 'multiformats/cid'
import { parseEther } from 'ethers'
import { lower } from '../../../contracts/test/market-chain.ts'
import { FEED_PRODUCT, parseFeed } from '#protocol/feed/index.ts'
import { AnchorRepository } from '../../src/db/anchor-repository.ts'
import { DeliveryRepository } from '../../src/db/delivery-repository.ts'
import { openDatabase, ReportRepository, SampleRepository } from '../../src/db/index.ts'
import type { Database } from '../../src/db/index.ts'
import { createDeliveryService } from '../../src/market/delivery-service.ts'
import { createFeedSource } from '../../src/market/feed-source.ts'
import { FeedBlockRepository } from '../../src/db/feed-block-repository.ts'
import { createMarketChain } from '../../src/market/market-chain.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'
import { startMarketWorld } from '../fixtures/market-world.ts'
import { FEED_VECTOR, holdEpoch, memoryBlocks } from '../market/feed-fixture.ts'

const world = await startMarketWorld('buy-feed', FEED_PRODUCT, parseEther('4'))
const { c, dir, logger, members, market, vendor, deployBlock, follower, cli } = world

// member 3 took another list for the epoch (the URL report left out): it signs a feed of another digest
const OTHER_LIST = FEED_VECTOR.reports.filter((_, i) => i !== 1).map((r) => r.jobId)
const apis: string[] = []
const dbs: Database[] = []
const closing: Array<() => Promise<void>> = []
for (const [i, w] of members.entries()) {
  const db = await openDatabase({ path: join(dir, `m${i}`) })
  dbs.push(db)
  await holdEpoch(db, [], i === 3 ? OTHER_LIST : undefined)
  const blocks = memoryBlocks()
  const service = createDeliveryService({ chainId: c.chainId, registry: c.registryAddress, market, fromBlock: deployBlock, confirmations: 1, pollIntervalMs: 100 }, {
    self: lower(w.address), operator: w, chain: createMarketChain({ provider: c.provider, address: market }), follower, samples: new SampleRepository(db),
    feeds: createFeedSource({ anchors: new AnchorRepository(db), reports: new ReportRepository(db), blocks, records: new FeedBlockRepository(db), samples: new SampleRepository(db) }), deliveries: new DeliveryRepository(db), logger
  })
  await service.start()
  const server = await startApi(t, { ...createMemoryNode().ports, market: service, blocks: { get: async (cid: CID) => blocks.get(cid) } })
  apis.push(server.url)
  closing.push(async () => { await service.stop(); await db.close() })
}

const keystore = await world.keystore(vendor, 'vendor.json')
const deployment = (await world.deployment(vendor, apis)).file

t.teardown(async () => {
  for (const close of closing) await close()
  await world.stop()
})

const feedArgs = (...more: string[]): string[] => ['buy', '--keystore', keystore, '--deployment', deployment, ...more]
const nextOrder = async (): Promise<bigint> => (await c.market.getFunction('terms')())[3] as bigint

t.test('the buyer gets the feed f+1 members signed, checked, as JSON lines, and pays f+1 of them', async (tt) => {
  const id = await nextOrder()
  const res = await cli(feedArgs('--feed', String(FEED_VECTOR.epoch), '--out', 'feed.jsonl', '--json'))
  tt.equal(res.code, 0, res.stderr)
  const report = JSON.parse(res.stdout)
  tt.equal(report.orderId, id.toString())
  tt.equal(report.sha256, FEED_VECTOR.sha256, 'the digest the honest members signed')
  tt.equal(await readFile(join(dir, 'feed.jsonl'), 'utf8'), FEED_VECTOR.feed, 'the vector\'s feed, byte for byte')
  tt.equal(report.lines, 3)
  tt.equal(parseFeed(await readFile(join(dir, 'feed.jsonl')), FEED_VECTOR.epoch).length, 3, 'lines a SOC tool reads')
  tt.equal(report.needed, 2)
  tt.equal(report.fulfilled.members, 2)
  tt.equal((await c.market.getFunction('orderOf')(id))[3], 2n, 'fulfilled on chain')
  const other = report.deliveries.filter((d: { member: string }) => d.member === lower(members[3]!.address))
  tt.same(other.map((d: { ok: boolean, fault?: string }) => [d.ok, d.fault]), other.length === 0 ? [] : [[false, 'WRONG_ORDER']], 'the member with another feed is not taken')
})

t.test('default output name, and the text summary', async (tt) => {
  const res = await cli(feedArgs('--feed', String(FEED_VECTOR.epoch)))
  tt.equal(res.code, 0, res.stderr)
  tt.match(res.stdout, new RegExp(`feed-${FEED_VECTOR.epoch}\\.jsonl: 3 lines of epoch ${FEED_VECTOR.epoch}, sha256 ${FEED_VECTOR.sha256}`))
  tt.equal(await readFile(join(dir, `feed-${FEED_VECTOR.epoch}.jsonl`), 'utf8'), FEED_VECTOR.feed)
})

t.test('an epoch not anchored yet: the run gives up keeping the order key, and --resume gets the feed once it is', async (tt) => {
  const id = await nextOrder()
  const first = await cli(feedArgs('--feed', '7', '--out', 'seven.jsonl', '--timeout', '2'))
  tt.equal(first.code, 4)
  tt.match(first.stderr, new RegExp(`order ${id}: no feed digest signed by 2 members .*virusmap buy --resume .*seven\\.jsonl\\.order-key\\.json.*virusmap buy --refund ${id}`))
  const keyFile = join(dir, 'seven.jsonl.order-key.json')
  tt.equal(JSON.parse(await readFile(keyFile, 'utf8')).orderId, id.toString(), 'the key file names the order')
  // epoch 7 is anchored now, the members hold its reports
  for (const db of dbs) await holdEpoch(db, [], undefined, 7)
  const res = await cli(['buy', '--resume', 'seven.jsonl.order-key.json', '--keystore', keystore, '--deployment', deployment, '--json'])
  tt.equal(res.code, 0, res.stderr)
  const report = JSON.parse(res.stdout)
  tt.equal(report.epoch, 7)
  const lines = parseFeed(await readFile(join(dir, 'seven.jsonl')), 7)
  tt.equal(lines.length, 3, 'epoch 7\'s lines')
  tt.notOk(existsSync(keyFile), 'the key is gone once the feed is out')
  tt.equal((await c.market.getFunction('orderOf')(id))[3], 2n, 'fulfilled')
})

t.test('market orders names a feed order\'s epoch', async (tt) => {
  const res = await cli(['market', 'orders', '--buyer', vendor.address, '--json', '--deployment', deployment])
  tt.equal(res.code, 0, res.stderr)
  const rows = JSON.parse(res.stdout) as Array<{ product: string, epoch?: number, status: string }>
  tt.ok(rows.length >= 3 && rows.every((r) => r.product === 'feed'))
  tt.same(rows.map((r) => r.epoch), rows.map((r) => r.epoch === 7 ? 7 : FEED_VECTOR.epoch), 'each row its epoch')
  const text = await cli(['market', 'orders', '--buyer', vendor.address, '--deployment', deployment])
  tt.match(text.stdout, /feed +epoch 7 /)
})

t.test('malformed input is refused before any VMT moves', async (tt) => {
  const first = await nextOrder()
  const balance = await c.vmt.getFunction('balanceOf')(vendor.address) as bigint
  await writeFile(join(dir, 'taken.jsonl'), 'x')
  const cases: Array<[string, string[], RegExp]> = [
    ['not a number', feedArgs('--feed', 'one'), /--feed takes an EPOCH/],
    ['negative', feedArgs('--feed=-1'), /--feed takes an EPOCH/],
    ['leading zero', feedArgs('--feed', '01'), /--feed takes an EPOCH/],
    ['above 2^53', feedArgs('--feed', '9007199254740993'), /--feed takes an EPOCH/],
    ['empty', feedArgs('--feed', ''), /--feed takes an EPOCH/],
    ['with a hash', feedArgs(`0x${'ab'.repeat(32)}`, '--feed', '1'), /--feed takes an EPOCH, not a SHA256/],
    ['with --refund', feedArgs('--feed', '1', '--refund', '1'), /not with --refund or --resume/],
    ['output in the way', feedArgs('--feed', '1', '--out', 'taken.jsonl'), /exists: pass another --out FILE/],
    ['above --max-price', feedArgs('--feed', '1', '--out', 'other.jsonl', '--max-price', '3.5'), /a feed costs 4.0 VMT, above --max-price 3.5/]
  ]
  for (const [name, argv, message] of cases) {
    const res = await cli(argv)
    tt.equal(res.code, 1, `${name} (${res.stderr.split('\n')[0]})`)
    tt.match(res.stderr, message, name)
  }
  tt.equal(await nextOrder(), first, 'no order was placed')
  tt.equal(await c.vmt.getFunction('balanceOf')(vendor.address) as bigint, balance, 'no VMT moved')
})
