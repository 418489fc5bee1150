// Epoch feeds' blocks are collected past their retention (market/feed-source.ts, SPEC 18 feeds), on a real
// level database and an in-memory blockstore with a clock the test moves: a feed's blocks are recorded,
// kept while it is delivered, deleted once expired (also by a source started after a restart, from the
// records alone), and an order afterwards builds the same blocks again; blocks a live feed or a stored
// sample shares are never deleted.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import type { Test } from 'tap'
import { CID } from 'multiformats/cid'
import { AnchorRepository } from '../../src/db/anchor-repository.ts'
import { FeedBlockRepository } from '../../src/db/feed-block-repository.ts'
import { openDatabase, ReportRepository, SampleRepository } from '../../src/db/index.ts'
import type { Database } from '../../src/db/index.ts'
import { createFeedSource } from '../../src/market/feed-source.ts'
import type { FeedSource } from '../../src/market/feed-source.ts'
import { FEED_VECTOR, holdEpoch, memoryBlocks } from './feed-fixture.ts'

const HOUR = 3_600_000
const RETENTION = 24 * HOUR

interface World { db: Database, blocks: ReturnType<typeof memoryBlocks>, clock: { now: number }, source: (blocks?: ReturnType<typeof memoryBlocks>) => FeedSource }

async function world (t: Test): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'feed-source-'))
  const db = await openDatabase({ path: dir })
  t.teardown(async () => { await db.close(); await rm(dir, { recursive: true, force: true }) })
  const blocks = memoryBlocks()
  const clock = { now: 1_000_000 }
  const source = (b = blocks): FeedSource => createFeedSource({
    anchors: new AnchorRepository(db), reports: new ReportRepository(db), blocks: b, records: new FeedBlockRepository(db), samples: new SampleRepository(db), now: () => clock.now
  }, { retentionMs: RETENTION })
  return { db, blocks, clock, source }
}

/** an anchored epoch with no flagged report: the empty feed, the same bytes (and blocks) in every epoch */
async function emptyEpoch (db: Database, epoch: number): Promise<void> {
  const anchors = new AnchorRepository(db)
  await anchors.recordAnchored({ epoch, root: `0x${'ab'.repeat(32)}`, leafCount: 0, block: 1, tx: `0x${'cd'.repeat(32)}`, submitter: `0x${'ef'.repeat(20)}` })
  await anchors.assignJobs(epoch, [], [], [])
}

const records = async (db: Database): Promise<Array<{ epoch: number, keepUntil: number }>> => {
  const out = []
  for await (const r of new FeedBlockRepository(db).list()) out.push({ epoch: r.epoch, keepUntil: r.keepUntil })
  return out
}

tap.test('a feed\'s blocks are recorded, kept through their retention, then deleted; a later order builds them again', async (t) => {
  const w = await world(t)
  await holdEpoch(w.db)
  const source = w.source()
  const feed = await source.feed(FEED_VECTOR.epoch)
  t.equal(feed?.sha256, FEED_VECTOR.sha256)
  const held = w.blocks.size
  t.ok(held >= 2, 'a chunk and the manifest')
  t.same(await records(w.db), [{ epoch: FEED_VECTOR.epoch, keepUntil: w.clock.now + RETENTION }])
  const cids = [...(await new FeedBlockRepository(w.db).get(FEED_VECTOR.epoch, `0x${'ab'.repeat(32)}`))?.cids ?? []]
  t.equal(cids.length, held, 'every block written is recorded')
  t.equal(cids.at(-1), feed?.cid, 'the manifest last')

  w.clock.now += RETENTION - 1
  t.same(await source.collect(), { feeds: 0, blocks: 0 }, 'not before the retention ends')
  t.equal(w.blocks.size, held)
  w.clock.now += 1
  t.same(await source.collect(), { feeds: 1, blocks: held }, 'collected at its end')
  t.equal(w.blocks.size, 0)
  t.same(await records(w.db), [], 'the record is gone too')

  const again = await source.feed(FEED_VECTOR.epoch)
  t.equal(again?.cid, feed?.cid, 'an order after the collection gets the same CID')
  t.ok(cids.every((c) => w.blocks.has(CID.parse(c))), 'and its blocks are back')
})

tap.test('a feed delivered again is kept a full retention from then', async (t) => {
  const w = await world(t)
  await holdEpoch(w.db)
  const source = w.source()
  await source.feed(FEED_VECTOR.epoch)
  w.clock.now += RETENTION / 4
  await source.feed(FEED_VECTOR.epoch)
  t.same((await records(w.db)).map((r) => r.keepUntil), [1_000_000 + RETENTION], 'not rewritten within half a retention')
  w.clock.now += RETENTION / 2
  await source.feed(FEED_VECTOR.epoch)
  t.same((await records(w.db)).map((r) => r.keepUntil), [w.clock.now + RETENTION], 'pushed back once less than half is left')
  w.clock.now += RETENTION / 2
  t.same(await source.collect(), { feeds: 0, blocks: 0 }, 'past the first retention, kept')
  w.clock.now += RETENTION / 2
  t.equal((await source.collect()).feeds, 1)
})

tap.test('blocks shared with a live feed or a stored sample are not deleted', async (t) => {
  const w = await world(t)
  await emptyEpoch(w.db, 5)
  await emptyEpoch(w.db, 6)
  const source = w.source()
  const five = await source.feed(5)
  w.clock.now += HOUR
  const six = await source.feed(6)
  t.equal(five?.cid, six?.cid, 'two empty feeds are one manifest')
  const held = w.blocks.size
  w.clock.now += RETENTION - HOUR
  t.same(await source.collect(), { feeds: 1, blocks: 0 }, 'epoch 5\'s record expired, but epoch 6\'s keeps the blocks')
  t.equal(w.blocks.size, held)
  t.same((await records(w.db)).map((r) => r.epoch), [6])

  // a sample uploaded with the feed's bytes is those same blocks
  await new SampleRepository(w.db).recordUpload({ sha256: six?.sha256 as `0x${string}`, sha1: `0x${'11'.repeat(20)}`, md5: `0x${'22'.repeat(16)}`, size: 0, fileType: 'text', cid: six?.cid as string, contentKey: six?.contentKey as `0x${string}`, seenAt: 1 })
  w.clock.now += HOUR
  t.same(await source.collect(), { feeds: 1, blocks: 0 }, 'the sample\'s blocks stay')
  t.equal(w.blocks.size, held)
})

tap.test('after a restart, a new source collects the blocks the old one built, from the records alone; start() collects', async (t) => {
  const w = await world(t)
  await holdEpoch(w.db)
  await w.source().feed(FEED_VECTOR.epoch)
  const held = w.blocks.size
  w.clock.now += RETENTION
  const restarted = w.source()
  await restarted.start()
  t.teardown(async () => { await restarted.stop() })
  // start() runs a first collection at once
  for (let i = 0; i < 100 && w.blocks.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(w.blocks.size, 0, `all ${held} blocks deleted by the restarted source`)
  t.same(await records(w.db), [])
})
