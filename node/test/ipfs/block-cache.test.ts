// The blockstore's memory of recent blocks: what it answers is what was written, whatever the writer or a
// reader does with its own array afterwards; a deleted block is gone, also when a read raced the delete;
// the byte budget holds, oldest out first, and an oversize block is not kept.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import tap from 'tap'
import { base32upper } from 'multiformats/bases/base32'
import * as raw from 'multiformats/codecs/raw'
import { sha256Cid } from '../../src/crypto/index.ts'
import { BlockCache } from '../../src/ipfs/block-cache.ts'
import { createDurableBlockstore, getBlock } from '../../src/ipfs/index.ts'
import type { Test } from 'tap'

const block = (n = 4096): { cid: ReturnType<typeof sha256Cid>, bytes: Uint8Array } => {
  const bytes = randomBytes(n)
  return { cid: sha256Cid(raw.code, bytes), bytes }
}

async function open (t: Test, cacheBytes?: number): Promise<{ store: ReturnType<typeof createDurableBlockstore>, dir: string }> {
  const dir = path.join(t.testdir(), 'blocks')
  const store = createDurableBlockstore({ path: dir, ...(cacheBytes === undefined ? {} : { cacheBytes }) })
  await store.open()
  return { store, dir }
}

/** the block's file, as the store lays it out (base32 of the multihash under its last two characters) */
function fileOf (dir: string, cid: ReturnType<typeof sha256Cid>): string {
  const name = base32upper.encode(cid.multihash.bytes)
  return path.join(dir, name.slice(-2), `${name}.data`)
}

tap.test('a block read back is the block written, from memory, whatever the writer and readers do with their arrays', async (t) => {
  const { store, dir } = await open(t)
  const b = block()
  const original = Buffer.from(b.bytes)
  const buffer = Buffer.from(b.bytes)
  await store.put(b.cid, buffer, { onWritten: () => { buffer.fill(7) } })
  t.ok(Buffer.from(await getBlock(store, b.cid)).equals(original), 'the writer reused its buffer once written')
  const read = await getBlock(store, b.cid)
  read.fill(0)
  t.ok(Buffer.from(await getBlock(store, b.cid)).equals(original), 'a reader zeroed its copy')
  // the file changed under the store (no process but the node writes it): the answer comes from memory
  await writeFile(fileOf(dir, b.cid), Buffer.alloc(4096, 1))
  t.ok(Buffer.from(await getBlock(store, b.cid)).equals(original), 'answered from memory')
})

tap.test('with no cache every read goes to the file', async (t) => {
  const { store, dir } = await open(t, 0)
  const b = block()
  await store.put(b.cid, b.bytes)
  await writeFile(fileOf(dir, b.cid), Buffer.alloc(4096, 1))
  t.ok(Buffer.from(await getBlock(store, b.cid)).equals(Buffer.alloc(4096, 1)))
})

tap.test('a deleted block is gone, also when a read raced the delete', async (t) => {
  const { store } = await open(t)
  const b = block()
  await store.put(b.cid, b.bytes)
  await store.delete(b.cid)
  await t.rejects(getBlock(store, b.cid), { name: 'NotFoundError' })
  const c = block()
  await store.put(c.cid, c.bytes)
  // a cold read (after the cache forgot c) that overlaps the delete must not put c back
  const fresh = createDurableBlockstore({ path: store.path })
  await fresh.open()
  const racing = getBlock(fresh, c.cid).catch(() => undefined)
  await fresh.delete(c.cid)
  await racing
  await t.rejects(getBlock(fresh, c.cid), { name: 'NotFoundError' })
})

tap.test('the budget: oldest out first, an oversize block never kept, a hit made newest', async (t) => {
  const cache = new BlockCache(10, 4)
  cache.set('a', new Uint8Array(4))
  cache.set('b', new Uint8Array(4))
  t.ok(cache.get('a'), 'a hit makes a the newest')
  cache.set('c', new Uint8Array(4))
  t.same([cache.get('b'), cache.bytes, cache.size], [undefined, 8, 2], 'b was the oldest')
  cache.set('big', new Uint8Array(5))
  t.equal(cache.get('big'), undefined, 'over the per-block bound')
  t.equal(cache.fits(5), false)
  cache.set('a', new Uint8Array([1, 2]))
  t.same([...(cache.get('a') ?? [])], [1, 2], 'replaced, not doubled')
  t.equal(cache.bytes, 6)
  cache.delete('a')
  cache.delete('missing')
  t.same([cache.bytes, cache.size], [4, 1])
  t.throws(() => new BlockCache(-1, 4), RangeError)
  t.throws(() => new BlockCache(4, Number.NaN), RangeError)
})
