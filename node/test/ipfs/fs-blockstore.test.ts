import { randomBytes } from 'node:crypto'
import { readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import tap from 'tap'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import type { Test } from 'tap'
import { sha256Cid } from '../../src/crypto/index.ts'
import { createDurableBlockstore, getBlock } from '../../src/ipfs/index.ts'

const block = (n = 100): { cid: CID, bytes: Uint8Array } => {
  const bytes = randomBytes(n)
  return { cid: sha256Cid(raw.code, bytes), bytes }
}

async function open (t: Test) {
  const store = createDurableBlockstore({ path: path.join(t.testdir(), 'blocks') })
  await store.open()
  return store
}


tap.test('put, has, get (streamed and whole), delete', async t => {
  const store = await open(t)
  const b = block()
  t.equal(await store.has(b.cid), false)
  t.ok((await store.put(b.cid, b.bytes)).equals(b.cid))
  t.equal(await store.has(b.cid), true)
  t.same(Buffer.from(await getBlock(store, b.cid)), b.bytes)
  const parts = []
  for await (const p of store.get(b.cid)) parts.push(p)
  t.equal(parts.length, 1)
  // keyed by multihash: the same bytes under a json CID are the same block
  t.equal(await store.has(CID.createV1(json.code, b.cid.multihash)), true)
  await store.delete(b.cid)
  await store.delete(b.cid)
  t.equal(await store.has(b.cid), false)
  await t.rejects(getBlock(store, b.cid), { name: 'NotFoundError', code: 'NOT_FOUND' })
})

tap.test('put accepts iterables and async iterables; rewriting a block is harmless', async t => {
  const store = await open(t)
  const b = block()
  await store.put(b.cid, [b.bytes.subarray(0, 10), b.bytes.subarray(10)])
  await store.put(b.cid, (async function * () { yield b.bytes })())
  t.same(Buffer.from(await getBlock(store, b.cid)), b.bytes)
})

tap.test('putMany stores everything, leaves no temp files, and yields only after the batch', async t => {
  const store = await open(t)
  const blocks = Array.from({ length: 40 }, () => block(1000))
  let consumed = 0
  const source = (function * () { for (const b of blocks) { consumed++; yield b } })()
  const yielded: CID[] = []
  for await (const cid of store.putMany(source)) {
    t.equal(consumed, blocks.length, 'every block was written before the first ack')
    yielded.push(cid)
  }
  t.equal(yielded.length, blocks.length)
  for (const b of blocks) t.same(Buffer.from(await getBlock(store, b.cid)), b.bytes)
  const all = []
  for await (const pair of store.getAll()) all.push(pair.cid.multihash.bytes.toString())
  t.equal(all.length, blocks.length)
  for (const shard of await readdir(store.path)) {
    t.ok((await stat(path.join(store.path, shard))).isDirectory())
    for (const f of await readdir(path.join(store.path, shard))) t.ok(f.endsWith('.data'), f)
  }
  const deleted = []
  for await (const cid of store.deleteMany(blocks.slice(0, 5).map(b => b.cid))) deleted.push(cid)
  t.equal(deleted.length, 5)
  const many = []
  for await (const pair of store.getMany(blocks.slice(5, 8).map(b => b.cid))) many.push(pair)
  t.equal(many.length, 3)
})

tap.test('putMany surfaces a source failure and acknowledges nothing', async t => {
  const store = await open(t)
  const source = (function * () {
    yield block()
    throw new Error('boom')
  })()
  const acked: CID[] = []
  await t.rejects((async () => { for await (const cid of store.putMany(source)) acked.push(cid) })(), /boom/)
  t.equal(acked.length, 0)
})

tap.test('putMany honours an aborted signal', async t => {
  const store = await open(t)
  await t.rejects((async () => { for await (const cid of store.putMany([block()], { signal: AbortSignal.abort() })) void cid })())
})

tap.test('open removes temp files a crash left behind, and keeps blocks', async t => {
  const store = await open(t)
  const b = block()
  await store.put(b.cid, b.bytes)
  const shard = (await readdir(store.path))[0] as string
  await writeFile(path.join(store.path, shard, 'ABC.data.123456.tmp'), 'partial')
  await store.open()
  t.notOk((await readdir(path.join(store.path, shard))).some(f => f.endsWith('.tmp')))
  t.same(Buffer.from(await getBlock(store, b.cid)), b.bytes)
})

tap.test('a put with renameAfter writes and syncs a temp file at once, and names the block only once it resolves', async t => {
  const store = await open(t)
  const b = block(4096)
  const gate = Promise.withResolvers<void>()
  const written = Promise.withResolvers<void>()
  const putting = store.put(b.cid, b.bytes, { renameAfter: gate.promise, onWritten: written.resolve })
  await written.promise
  const files = async (): Promise<string[]> => await readdir(store.path, { recursive: true })
  t.ok((await files()).some(f => f.endsWith('.tmp')), 'the bytes are in a temp file')
  t.equal(await store.has(b.cid), false, 'the block has no name yet')
  gate.resolve()
  t.ok((await putting).equals(b.cid))
  t.equal(await store.has(b.cid), true)
  t.notOk((await files()).some(f => f.endsWith('.tmp')))
})

tap.test('a put whose renameAfter rejects fails with its reason and leaves no file', async t => {
  const store = await open(t)
  const b = block(4096)
  const refused = new Error('the record failed')
  const failed = Promise.reject(refused)
  // the put looks at it only once its own write is done
  failed.catch(() => {})
  await t.rejects(store.put(b.cid, b.bytes, { renameAfter: failed }), refused)
  t.equal(await store.has(b.cid), false)
  t.same((await readdir(store.path, { recursive: true })).filter(f => f.includes('.data')), [], 'no block and no temp file')
  // a block already stored waits for it too, and reports it
  const stored = block()
  await store.put(stored.cid, stored.bytes)
  const onWritten = Promise.withResolvers<void>()
  await t.rejects(store.put(stored.cid, stored.bytes, { renameAfter: failed, onWritten: onWritten.resolve }), refused)
  await onWritten.promise
  t.equal(await store.has(stored.cid), true, 'the stored block stays')
})

tap.test('a put aborted while it waits for renameAfter leaves no file', async t => {
  const store = await open(t)
  const b = block(4096)
  const controller = new AbortController()
  const gate = Promise.withResolvers<void>()
  const written = Promise.withResolvers<void>()
  const putting = store.put(b.cid, b.bytes, { renameAfter: gate.promise, onWritten: written.resolve, signal: controller.signal })
  await written.promise
  controller.abort(new Error('client went away'))
  gate.resolve()
  await t.rejects(putting, /client went away/)
  t.same((await readdir(store.path, { recursive: true })).filter(f => f.includes('.data')), [])
})
