// The node's blockstore: small blocks in the database's synced batches, large ones as files, blocks
// written as files before schema 2 still found, and the durable put's contract (onWritten, renameAfter) kept.
/* oxlint-disable no-underscore-dangle -- the spy wraps abstract-level's storage hook _batch */
import { randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import tap from 'tap'
import { Level } from 'level'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import type { Test } from 'tap'
import { sha256Cid } from '../../src/crypto/index.ts'
import { createDurableBlockstore, createSmallBlockTier, getBlock, SMALL_BLOCK_BYTES } from '../../src/ipfs/index.ts'
import { openDatabase, PREFIXES, SmallBlockRepository } from '../../src/db/index.ts'

const block = (n = 100): { cid: CID, bytes: Uint8Array } => {
  const bytes = randomBytes(n)
  return { cid: sha256Cid(raw.code, bytes), bytes }
}

async function open (t: Test, dir = t.testdir()) {
  const db = await openDatabase({ path: path.join(dir, 'db') })
  const files = createDurableBlockstore({ path: path.join(dir, 'blocks') })
  const store = createSmallBlockTier(new SmallBlockRepository(db), files)
  await store.open()
  t.teardown(async () => { await store.close(); if (db.status === 'open') await db.close() })
  return { db, files, store, dir }
}

/** the .data files under the files tier */
async function blockFiles (dir: string): Promise<string[]> {
  const root = path.join(dir, 'blocks')
  const shards = await readdir(root)
  return (await Promise.all(shards.map(async (s) => (await readdir(path.join(root, s))).filter((f) => f.endsWith('.data'))))).flat()
}

/** the binding's batch calls (their sync flag and keys) while the test runs */
function spyBatches (t: Test): Array<{ keys: string[], sync: boolean }> {
  type BatchHook = (this: unknown, operations: Array<{ key: unknown }>, options: { sync?: boolean }) => Promise<void>
  const proto = Level.prototype as unknown as { _batch: BatchHook }
  const original = proto._batch
  const calls: Array<{ keys: string[], sync: boolean }> = []
  proto._batch = async function (operations, options) {
    calls.push({ keys: operations.map((o) => String(o.key)), sync: options.sync === true })
    await original.call(this, operations, options)
  }
  t.teardown(() => { proto._batch = original })
  return calls
}

tap.test('a small block is one put in a synced batch of the database, not a file', async (t) => {
  const { store, dir } = await open(t)
  const calls = spyBatches(t)
  const b = block(4096)
  t.equal(await store.has(b.cid), false)
  await store.put(b.cid, b.bytes)
  const writes = calls.filter((c) => c.keys.some((k) => k.startsWith(PREFIXES.smallBlock)))
  t.equal(writes.length, 1)
  t.equal(writes[0]?.sync, true, 'durable before the put resolves')
  t.same(await blockFiles(dir), [], 'no file')
  t.equal(await store.has(b.cid), true)
  t.same(Buffer.from(await getBlock(store, b.cid)), b.bytes)
  // keyed by multihash: the same bytes under a json CID are the same block
  t.equal(await store.has(CID.createV1(json.code, b.cid.multihash)), true)
})

tap.test('the puts of one turn share one synced batch', async (t) => {
  const { store } = await open(t)
  const calls = spyBatches(t)
  const blocks = Array.from({ length: 20 }, () => block(1000))
  await Promise.all(blocks.map(async (b) => await store.put(b.cid, b.bytes)))
  t.equal(calls.length, 1)
  t.equal(calls[0]?.keys.length, 20)
  for (const b of blocks) t.same(Buffer.from(await getBlock(store, b.cid)), b.bytes)
})

tap.test('a block over SMALL_BLOCK_BYTES is a file; one of exactly that size is not', async (t) => {
  const { store, dir } = await open(t)
  const large = block(SMALL_BLOCK_BYTES + 1)
  const edge = block(SMALL_BLOCK_BYTES)
  await store.put(large.cid, large.bytes)
  await store.put(edge.cid, edge.bytes)
  t.equal((await blockFiles(dir)).length, 1)
  t.same(Buffer.from(await getBlock(store, large.cid)), large.bytes)
  t.same(Buffer.from(await getBlock(store, edge.cid)), edge.bytes)
  await store.delete(large.cid)
  t.same(await blockFiles(dir), [])
  t.equal(await store.has(large.cid), false)
  await t.rejects(getBlock(store, large.cid), { code: 'NOT_FOUND' })
})

tap.test('blocks written as files before schema 2 are found, listed once, and deleted', async (t) => {
  const { files, store } = await open(t)
  const old = block(2000)
  await files.put(old.cid, old.bytes)
  t.equal(await store.has(old.cid), true)
  t.same(Buffer.from(await getBlock(store, old.cid)), old.bytes)
  // put again since: now in the database too, and getAll lists it once
  await store.put(old.cid, old.bytes)
  const fresh = block(300)
  await store.put(fresh.cid, fresh.bytes)
  const listed: string[] = []
  for await (const { cid } of store.getAll()) listed.push(cid.multihash.toString())
  t.same(listed.toSorted(), [old.cid.multihash.toString(), fresh.cid.multihash.toString()].toSorted())
  await store.delete(old.cid)
  t.equal(await store.has(old.cid), false)
  t.equal(await files.has(old.cid), false, 'the file is gone too')
})

tap.test('a reopened store finds what it acknowledged', async (t) => {
  const dir = t.testdir()
  const first = await open(t, dir)
  const b = block(5000)
  await first.store.put(b.cid, b.bytes)
  await first.store.close()
  await first.db.close()
  const again = await open(t, dir)
  t.same(Buffer.from(await getBlock(again.store, b.cid)), b.bytes)
})

tap.test('onWritten hands the buffer back at once: zeroing it after does not change the block', async (t) => {
  const { store } = await open(t)
  const b = block(4096)
  const mine = new Uint8Array(b.bytes)
  let handed = false
  await store.put(b.cid, mine, { onWritten: () => { handed = true; mine.fill(0) } })
  t.ok(handed)
  t.same(Buffer.from(await getBlock(store, b.cid)), b.bytes)
  // and a reader that zeroes what it got leaves the kept copy alone
  ;(await getBlock(store, b.cid)).fill(0)
  t.same(Buffer.from(await getBlock(store, b.cid)), b.bytes)
})

tap.test('nothing is stored before renameAfter resolves, and its rejection fails the put', async (t) => {
  const { store } = await open(t)
  const b = block(700)
  const gate = Promise.withResolvers<void>()
  const put = store.put(b.cid, b.bytes, { renameAfter: gate.promise })
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(await store.has(b.cid), false, 'not there while the writer\'s record is not on disk')
  gate.resolve()
  await put
  t.equal(await store.has(b.cid), true)

  const c = block(700)
  await t.rejects(store.put(c.cid, c.bytes, { renameAfter: Promise.reject(new Error('record failed')) }), { message: 'record failed' })
  t.equal(await store.has(c.cid), false)
})

tap.test('an aborted put stores nothing', async (t) => {
  const { store } = await open(t)
  const b = block(700)
  await t.rejects(store.put(b.cid, b.bytes, { signal: AbortSignal.abort() }))
  const controller = new AbortController()
  const gate = Promise.withResolvers<void>()
  const put = store.put(b.cid, b.bytes, { signal: controller.signal, renameAfter: gate.promise })
  controller.abort()
  gate.resolve()
  await t.rejects(put)
  t.equal(await store.has(b.cid), false)
})

tap.test('a delete overlapping a read leaves no stale copy, and a missing block is NOT_FOUND', async (t) => {
  const { store } = await open(t)
  const b = block(900)
  await store.put(b.cid, b.bytes)
  await Promise.all([getBlock(store, b.cid), store.delete(b.cid)])
  t.equal(await store.has(b.cid), false)
  await t.rejects(getBlock(store, b.cid), { code: 'NOT_FOUND' })
  await t.rejects(getBlock(store, block().cid), { code: 'NOT_FOUND' })
})

tap.test('putMany, getMany and deleteMany over both tiers', async (t) => {
  const { store } = await open(t)
  const blocks = [block(10), block(SMALL_BLOCK_BYTES + 10), block(4096)]
  const put: CID[] = []
  for await (const cid of store.putMany(blocks)) put.push(cid)
  t.equal(put.length, 3)
  const got: Uint8Array[] = []
  for await (const { bytes } of store.getMany(blocks.map((b) => b.cid))) {
    for await (const part of bytes) got.push(part)
  }
  t.same(got.map((g) => Buffer.from(g)), blocks.map((b) => Buffer.from(b.bytes)))
  let deleted = 0
  for await (const cid of store.deleteMany(blocks.map((b) => b.cid))) { deleted++; t.equal(await store.has(cid), false) }
  t.equal(deleted, 3)
})
