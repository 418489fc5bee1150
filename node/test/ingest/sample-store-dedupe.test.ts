import { randomBytes } from 'node:crypto'
import path from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { CID } from 'multiformats/cid'
import { CHUNK_SIZE } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createDurableBlockstore } from '../../src/ipfs/index.ts'
import { storedSampleFromRecord, storedSampleSource } from '../../src/ingest/index.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'
import type { Blockstore } from 'interface-blockstore'
import type { Test } from 'tap'

async function setup (t: Test) {
  const dir = t.testdir()
  const inner = createDurableBlockstore({ path: path.join(dir, 'blocks') })
  await inner.open()
  const db = await openDatabase({ path: path.join(dir, 'db') })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  let puts = 0
  const blockstore = Object.create(inner) as Blockstore
  blockstore.put = async (cid, bytes, options) => { puts++; return await inner.put(cid, bytes, options) }
  const store = await startSampleStore(t, { db, blockstore, samples: repos.samples, logger: pino({ level: 'silent' }), maxSampleBytes: 16 * CHUNK_SIZE })
  return { store, repos, blockstore: inner, writes: () => puts }
}

async function * pieces (bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < bytes.byteLength; o += 65_536) {
    await new Promise(resolve => setImmediate(resolve))
    yield bytes.subarray(o, o + 65_536)
  }
}

tap.test('concurrent uploads of the same bytes write the blocks once', async t => {
  const { store, repos, writes } = await setup(t)
  const bytes = randomBytes(5 * CHUNK_SIZE + 3)
  const results = await Promise.all(['a.exe', 'b.exe', 'c.exe'].map(async name => await store.ingest(pieces(bytes), { name })))
  t.equal(new Set(results.map(r => r.cid)).size, 1, 'one CID')
  t.equal(writes(), 7, 'one of them sealed and wrote its six chunks and the manifest; the others found the sample stored')
  t.same((await repos.samples.get(results[0]?.sha256 as `0x${string}`))?.names.toSorted(), ['a.exe', 'b.exe', 'c.exe'], 'every upload is recorded')
  await store.ingest(pieces(bytes))
  t.equal(writes(), 7, 'a later upload of stored bytes writes nothing')
})

tap.test('a stored sample whose blocks went missing is written again', async t => {
  const { store, blockstore, writes } = await setup(t)
  const bytes = randomBytes(2 * CHUNK_SIZE)
  const first = await store.ingest(pieces(bytes))
  const chunkCid = (await (async () => { for await (const p of blockstore.getAll()) if (!p.cid.equals(CID.parse(first.cid))) return p.cid })()) as CID
  await blockstore.delete(chunkCid)
  await store.ingest(pieces(bytes))
  t.equal(writes(), 6, 'two chunks and the manifest, twice')
  t.ok(await blockstore.has(chunkCid), 'repaired')
})

tap.test('a rescan source of a stored sample is not read at all', async t => {
  const { store, repos, writes } = await setup(t)
  const bytes = randomBytes(3 * CHUNK_SIZE + 1)
  const stored = await store.ingest(pieces(bytes), { name: 'first.bin' })
  const record = await repos.samples.get(stored.sha256)
  if (record === undefined) throw new Error('not recorded')
  let opened = 0
  const source = storedSampleSource(storedSampleFromRecord(record), async () => { opened++; return pieces(bytes) })
  const again = await store.ingest(source)
  t.equal(opened, 0, 'no byte read')
  t.equal(writes(), 5, 'nothing written but the first ingest\'s four chunks and manifest')
  t.same({ ...again, contentKey: Buffer.from(again.contentKey) }, { ...stored, contentKey: Buffer.from(stored.contentKey) })
  await t.rejects(store.ingest(source, { maxBytes: 100 }), { code: 'SAMPLE_TOO_LARGE' }, 'a lower limit still applies')
})

tap.test('a rescan source whose blocks are missing streams and stores them again', async t => {
  const { store, repos, blockstore } = await setup(t)
  const bytes = randomBytes(2 * CHUNK_SIZE + 5)
  const stored = await store.ingest(pieces(bytes))
  const record = await repos.samples.get(stored.sha256)
  if (record === undefined) throw new Error('not recorded')
  await blockstore.delete(CID.parse(stored.cid))
  let opened = 0
  const again = await store.ingest(storedSampleSource(storedSampleFromRecord(record), async () => { opened++; return pieces(bytes) }))
  t.equal(opened, 1)
  t.equal(again.cid, stored.cid)
  t.ok(await blockstore.has(CID.parse(stored.cid)))
})

tap.test('file names are sanitised at ingest', async t => {
  const { store, repos } = await setup(t)
  const bytes = randomBytes(100)
  const s = await store.ingest(pieces(bytes), { name: '\x1b[2J\x1b]0;pwned\x07invoice\u202Efdp.exe' })
  await store.ingest(pieces(bytes), { name: '\x1b\x1b\u202e' })
  await store.ingest(pieces(bytes), { name: 'x'.repeat(5000) })
  t.same((await repos.samples.get(s.sha256))?.names, ['[2J]0;pwnedinvoicefdp.exe', 'x'.repeat(255)], 'escapes gone, nothing-left names dropped, length capped')
})
