/**
 * A crash mid-ingest, simulated in process: the ingest stops for good after some of its blocks
 * are on disk (its promise never settles, so nothing cleans up after it), the database is closed,
 * and a new store opens the same directories, as a restarted node would.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { CHUNK_SIZE, sha256Cid } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase, PendingIngestRepository, SmallBlockRepository } from '../../src/db/index.ts'
import { createDurableBlockstore, createSmallBlockTier } from '../../src/ipfs/index.ts'
import { createSampleStore } from '../../src/ingest/index.ts'
import { WRITE_BATCH_CHUNKS } from '../../src/ingest/block-writer.ts'
import { collectOrphanBlocks } from '../../src/ingest/orphan-blocks.ts'
import type { DurableBlockstore, DurablePutOptions } from '../../src/ipfs/fs-blockstore.ts'
import type { Blockstore } from 'interface-blockstore'
import type { Test } from 'tap'

const MAX = 64 * CHUNK_SIZE
const never = new Promise<never>(() => {})

/** One node's directories, opened as many times as the test restarts it. */
async function node (t: Test) {
  const dir = t.testdir()
  const paths = { blocks: path.join(dir, 'blocks'), db: path.join(dir, 'db'), spool: path.join(dir, 'spool') }
  const open = async (wrap: (b: Blockstore) => Blockstore = b => b, pendingWrap: (p: PendingIngestRepository) => PendingIngestRepository = p => p) => {
    const db = await openDatabase({ path: paths.db })
    // the node's blockstore: small blocks (manifests) in the database, chunks as files
    const blockstore = createSmallBlockTier(new SmallBlockRepository(db), createDurableBlockstore({ path: paths.blocks }))
    await blockstore.open()
    const repos = createRepositories(db)
    const pending = pendingWrap(new PendingIngestRepository(db))
    const store = createSampleStore({ blockstore: wrap(blockstore), samples: repos.samples, pending, spoolDir: paths.spool, logger: pino({ level: 'silent' }), maxSampleBytes: MAX, spoolMemoryBytes: CHUNK_SIZE })
    await store.start()
    t.teardown(() => store.stop())
    const blockCount = async (): Promise<number> => {
      let n = 0
      for await (const pair of blockstore.getAll()) { void pair; n++ }
      return n
    }
    const pendingCount = async (): Promise<number> => {
      let n = 0
      for await (const p of pending.list()) { void p; n++ }
      return n
    }
    return { blockstore, db, repos, pending, store, blockCount, pendingCount }
  }
  return { paths, open }
}

/** A blockstore that writes blocks one at a time and, after `after` of them, never returns. */
function dyingAfter (after: number, died: () => void): (b: Blockstore) => Blockstore {
  return (inner) => {
    const wrapped = Object.create(inner) as Blockstore
    let written = 0
    let queue: Promise<unknown> = Promise.resolve()
    wrapped.put = async (cid, bytes, options) => {
      const turn = queue.then(async () => {
        if (written === after) { died(); await never }
        await inner.put(cid, bytes, options)
        written++
        return cid
      })
      queue = turn
      return await turn
    }
    return wrapped
  }
}

/**
 * A blockstore its process can crash under: from crash() on, nothing it was given touches the disk
 * any more, as when the process dies. A put's rename waits for its batch's record (renameAfter):
 * one let through before the crash is awaited, renamed; the others never happen, and their blocks
 * stay temp files. crash() resolves once every put already running has written its temp file or
 * ended (a real crash stops those too; waiting is the deterministic stand-in), so nothing of the
 * first process races the next start's cleanup. Puts asked for later, and every result after the
 * crash, never come.
 */
function crashable (): { wrap: (b: Blockstore) => Blockstore, parked: () => number, crash: () => Promise<void> } {
  let crashed = false
  const puts = new Set<{ written: boolean, released: boolean, done: Promise<void> }>()
  const wrap = (inner: Blockstore): Blockstore => {
    const wrapped = Object.create(inner) as Blockstore
    wrapped.put = async (cid, bytes, options: DurablePutOptions = {}) => {
      if (crashed) await never
      const put = { written: false, released: options.renameAfter === undefined, done: Promise.resolve() }
      const renameAfter = options.renameAfter === undefined
        ? undefined
        : new Promise<void>((resolve, reject) => {
          options.renameAfter?.then(() => { if (!crashed) { put.released = true; resolve() } }, (err: unknown) => { if (!crashed) reject(err) })
        })
      const onWritten = (): void => { put.written = true; options.onWritten?.() }
      const result = Promise.resolve((inner as DurableBlockstore).put(cid, bytes, { ...options, renameAfter, onWritten }))
      put.done = result.then(() => {}, () => {})
      puts.add(put)
      void put.done.then(() => { puts.delete(put) })
      try {
        return await result
      } finally {
        if (crashed) await never
      }
    }
    return wrapped
  }
  return {
    wrap,
    /** puts whose block is written as a temp file and waits to be renamed */
    parked: () => [...puts].filter(p => p.written && !p.released).length,
    async crash () {
      crashed = true
      // no put is let through to its rename from now on: wait for those that were, and for every other to write its file
      await Promise.all([...puts].map(async p => {
        if (p.released) return await p.done
        while (!p.written && puts.has(p)) await new Promise(resolve => setImmediate(resolve))
      }))
    }
  }
}

async function * pieces (bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < bytes.byteLength; o += 100_000) yield bytes.subarray(o, o + 100_000)
}

tap.test('the blocks of an ingest killed mid-write are collected at the next start', async t => {
  const { paths, open } = await node(t)
  const { promise: died, resolve } = Promise.withResolvers<void>()
  const first = await open(dyingAfter(WRITE_BATCH_CHUNKS + 3, resolve))
  const bytes = randomBytes(3 * WRITE_BATCH_CHUNKS * CHUNK_SIZE + 5)
  void first.store.ingest(pieces(bytes), { name: 'killed.bin' })
  await died
  t.equal(await first.blockCount(), WRITE_BATCH_CHUNKS + 3, 'blocks of the first batches reached the disk')
  t.equal(await first.pendingCount(), 1, 'and are on record as pending')
  t.ok((await readdir(paths.spool)).some(f => f.endsWith('.spool')), 'its spool is left behind too')
  await first.db.close()

  const second = await open()
  t.equal(await second.blockCount(), 0, 'every orphan block is gone')
  t.equal(await second.pendingCount(), 0, 'and the record with them')
  t.same(await readdir(paths.spool), [], 'the spool was cleared')
  t.equal(await second.repos.samples.find(`0x${'0'.repeat(64)}`), undefined)

  // the node works on: the same bytes ingest whole and read back
  const stored = await second.store.ingest(pieces(bytes))
  t.same(Buffer.from(await second.store.readSample(stored.cid, stored.contentKey)), bytes)
  await second.db.close()
})

tap.test('a small sample killed between its two blocks: the one in the database is collected at the next start', async t => {
  const { paths, open } = await node(t)
  const { promise: died, resolve } = Promise.withResolvers<void>()
  // a 4 KiB sample is one chunk and a manifest, both small blocks: the chunk is put, the manifest never is
  const first = await open(dyingAfter(1, resolve))
  const bytes = randomBytes(4096)
  void first.store.ingest(pieces(bytes), { name: 'small.bin' })
  await died
  t.equal(await first.blockCount(), 1, 'the chunk is in the database')
  t.same(await readdir(paths.blocks, { recursive: true }), [], 'and nothing is a file')
  t.equal(await first.pendingCount(), 1)
  await first.db.close()

  const second = await open()
  t.equal(await second.blockCount(), 0, 'the orphan chunk is gone')
  t.equal(await second.pendingCount(), 0)
  const stored = await second.store.ingest(pieces(bytes))
  t.same(Buffer.from(await second.store.readSample(stored.cid, stored.contentKey)), bytes, 'the same bytes ingest whole again')
  t.equal(await second.blockCount(), 2)
  await second.db.close()
})

tap.test('a block is written before its batch is on record, but reaches its name only after: a crash meanwhile leaves temp files, deleted at the next start', async t => {
  const { paths, open } = await node(t)
  const { promise: stuck, resolve } = Promise.withResolvers<void>()
  const { promise: firstRecorded, resolve: recordedFirst } = Promise.withResolvers<void>()
  const disk = crashable()
  // the second batch's record never reaches the disk: the crash comes while it is written
  const first = await open(disk.wrap, (p) => {
    const add = p.add.bind(p)
    p.add = async (ingestId, batch, blocks) => {
      if (batch === 0) return await add(ingestId, batch, blocks).finally(recordedFirst)
      resolve()
      await never
    }
    return p
  })
  const bytes = randomBytes(3 * WRITE_BATCH_CHUNKS * CHUNK_SIZE)
  void first.store.ingest(pieces(bytes))
  await Promise.all([stuck, firstRecorded])
  // blocks of the later batches are written (and synced) meanwhile, under temp names
  const deadline = Date.now() + 30_000
  while (disk.parked() === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 5))
  await disk.crash()
  const files = async (): Promise<string[]> => await readdir(paths.blocks, { recursive: true })
  t.ok((await files()).some(f => f.endsWith('.tmp')), 'blocks of the batch not yet on record are written as temp files')
  let recorded: string[] = []
  for await (const ingest of first.pending.list()) recorded = ingest.cids
  t.equal(recorded.length, WRITE_BATCH_CHUNKS, 'only the first batch is on record')
  const named: string[] = []
  for await (const pair of first.blockstore.getAll()) named.push(pair.cid.toString())
  t.ok(named.length <= WRITE_BATCH_CHUNKS, 'no more blocks have their names than are on record')
  t.ok(named.every(cid => recorded.includes(cid)), 'and every block under its name is on record')
  await first.db.close()

  const second = await open()
  t.equal(await second.blockCount(), 0, 'the recorded blocks are collected')
  t.notOk((await files()).some(f => f.endsWith('.tmp')), 'and the temp files deleted')
  t.equal(await second.pendingCount(), 0)
  await second.db.close()
})

tap.test('a crash after the sample was recorded keeps its blocks', async t => {
  const { open } = await node(t)
  const { promise: stuck, resolve } = Promise.withResolvers<void>()
  // dies between the sample record and clearing the pending record
  const first = await open(undefined, (p) => {
    p.clear = async () => { resolve(); await never }
    return p
  })
  const bytes = randomBytes(2 * WRITE_BATCH_CHUNKS * CHUNK_SIZE)
  void first.store.ingest(pieces(bytes))
  await stuck
  const blocks = await first.blockCount()
  t.equal(await first.pendingCount(), 1)
  await first.db.close()

  const second = await open()
  t.equal(await second.pendingCount(), 0, 'the record is cleared')
  t.equal(await second.blockCount(), blocks, 'no block of a recorded sample is deleted')
  const record = await second.repos.samples.find(`0x${createHash('sha256').update(bytes).digest('hex')}`)
  if (record === undefined) throw new Error('the sample was not recorded')
  t.same(Buffer.from(await second.store.readSample(record.cid, Buffer.from(record.contentKey.slice(2), 'hex'))), bytes)
  await second.db.close()
})

tap.test('only blocks no recorded sample references are collected', async t => {
  const { open } = await node(t)
  const n = await open()
  const kept = await n.store.ingest(pieces(randomBytes(3 * CHUNK_SIZE)))
  const before = await n.blockCount()
  // a pending ingest of the recorded sample (it raced the one that completed) and one of nothing recorded
  const keptCids: string[] = []
  for await (const pair of n.blockstore.getAll()) keptCids.push(pair.cid.toString())
  await n.pending.add('a'.repeat(32), 0, { sha256: kept.sha256, cids: keptCids })
  const orphanBytes = randomBytes(100)
  const orphan = { cid: sha256Cid(0x55, orphanBytes), bytes: orphanBytes }
  await n.blockstore.put(orphan.cid, orphan.bytes)
  await n.pending.add('b'.repeat(32), 0, { sha256: `0x${'f'.repeat(64)}`, cids: [orphan.cid.toString(), keptCids[0] as string] })

  const collected = await collectOrphanBlocks({ blockstore: n.blockstore, samples: n.repos.samples, pending: n.pending })
  t.same(collected, { ingests: 2, blocks: 2 }, 'the orphan and the one block the bogus record also named')
  t.equal(await n.pendingCount(), 0)
  t.equal(await n.blockCount(), before - 1)
  t.notOk(await n.blockstore.has(orphan.cid))
  await n.db.close()
})

tap.test('an ingest aborted while writing removes its own blocks at once', async t => {
  const { open } = await node(t)
  const n = await open()
  const controller = new AbortController()
  // the client goes away once some blocks are written
  const watched = Object.create(n.blockstore) as Blockstore
  let seen = 0
  watched.put = async (cid, bytes, options) => {
    if (seen++ === WRITE_BATCH_CHUNKS + 2) controller.abort(new Error('client went away'))
    return await n.blockstore.put(cid, bytes, options)
  }
  const aborting = createSampleStore({ blockstore: watched, samples: n.repos.samples, pending: n.pending, spoolDir: t.testdir(), logger: pino({ level: 'silent' }), maxSampleBytes: MAX })
  await aborting.start()
  t.teardown(() => aborting.stop())
  const bytes = randomBytes(2 * WRITE_BATCH_CHUNKS * CHUNK_SIZE)
  const ingest = aborting.ingest(pieces(bytes), { signal: controller.signal })
  await t.rejects(ingest, /client went away/)
  t.equal(await n.blockCount(), 0)
  t.equal(await n.pendingCount(), 0)
  await n.db.close()
})
