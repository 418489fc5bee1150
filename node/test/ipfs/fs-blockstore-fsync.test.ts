import { randomBytes } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import path from 'node:path'
import tap from 'tap'
import { base32upper } from 'multiformats/bases/base32'
import * as raw from 'multiformats/codecs/raw'
import { sha256Cid } from '../../src/crypto/index.ts'
import type { CID } from 'multiformats/cid'
import type { Test } from 'tap'

/** The blockstore over a node:fs/promises whose handles record every path they fsync, in order. */
async function instrumented (t: Test) {
  const synced: string[] = []
  const open = async (...args: Parameters<typeof fsp.open>): Promise<fsp.FileHandle> => {
    const handle = await fsp.open(...args)
    const sync = handle.sync.bind(handle)
    handle.sync = async () => { await sync(); synced.push(path.resolve(String(args[0]))) }
    return handle
  }
  const { createDurableBlockstore } = await t.mockImport<typeof import('../../src/ipfs/fs-blockstore.ts')>('../../src/ipfs/fs-blockstore.ts', {
    'node:fs/promises': { ...fsp, open }
  })
  const root = path.join(t.testdir(), 'data', 'blocks')
  return { synced, root, create: () => createDurableBlockstore({ path: root }) }
}

const block = (): { cid: CID, bytes: Uint8Array } => {
  const bytes = randomBytes(64)
  return { cid: sha256Cid(raw.code, bytes), bytes }
}
const shardOf = (root: string, cid: CID): string => path.join(root, base32upper.encode(cid.multihash.bytes).slice(-2))

tap.test('open makes the root and its entry in the parent durable', async t => {
  const { synced, root, create } = await instrumented(t)
  await create().open()
  t.ok(synced.includes(path.dirname(root)), 'parent fsynced')
  t.ok(synced.includes(root), 'root fsynced')
})

tap.test('a new shard dir and the root naming it are fsynced before putMany acknowledges', async t => {
  const { synced, root, create } = await instrumented(t)
  const store = create()
  await store.open()
  synced.length = 0
  const blocks = [block(), block(), block()]
  let seenAtAck: string[] | undefined
  for await (const cid of store.putMany(blocks)) seenAtAck ??= [...synced, cid.toString()]
  const acked = seenAtAck ?? []
  for (const b of blocks) t.ok(acked.includes(shardOf(root, b.cid)), 'shard dir fsynced before the ack')
  t.ok(acked.includes(root), 'root fsynced before the ack')
  t.ok(acked.lastIndexOf(root) > Math.max(...blocks.map(b => acked.indexOf(shardOf(root, b.cid)))), 'root after the shards')

  // a second block in a shard the root already durably names costs no root fsync
  synced.length = 0
  let again = block()
  while (shardOf(root, again.cid) !== shardOf(root, blocks[0]?.cid as CID)) again = block()
  await store.put(again.cid, again.bytes)
  t.notOk(synced.includes(root))
  t.ok(synced.includes(shardOf(root, again.cid)))
})

tap.test('a shard created by a batch that failed before its fsync is still fsynced, with the root, by the next put', async t => {
  const { synced, root, create } = await instrumented(t)
  const store = create()
  await store.open()
  const first = block()
  const failing = (function * () {
    yield first
    throw new Error('crash before the directory fsync')
  })()
  await t.rejects((async () => { for await (const cid of store.putMany(failing)) void cid })(), /crash/)
  t.ok(await fsp.stat(shardOf(root, first.cid)).then(s => s.isDirectory()), 'the shard dir exists')
  synced.length = 0
  let next = block()
  while (shardOf(root, next.cid) !== shardOf(root, first.cid)) next = block()
  await store.put(next.cid, next.bytes)
  t.ok(synced.includes(shardOf(root, next.cid)), 'shard fsynced')
  t.ok(synced.includes(root), 'root fsynced: the failed batch never made the shard durable')
})

tap.test('after a restart, shards found on disk are durable', async t => {
  const { synced, root, create } = await instrumented(t)
  const b = block()
  const before = create()
  await before.open()
  await before.put(b.cid, b.bytes)
  const store = create()
  await store.open()
  synced.length = 0
  let next = block()
  while (shardOf(root, next.cid) !== shardOf(root, b.cid)) next = block()
  await store.put(next.cid, next.bytes)
  t.notOk(synced.includes(root), 'open synced the root that names it')
})
