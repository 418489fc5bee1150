import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { CID } from 'multiformats/cid'
import { CHUNK_SIZE } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'
import { startBitswapNode } from '../ipfs/fixtures.ts'
import type { Test } from 'tap'
import type { Blockstore } from 'interface-blockstore'

/** Until `fn` holds, asking again on each turn of the event loop (no wall-clock assertion). */
async function until (fn: () => Promise<boolean>): Promise<void> {
  while (!await fn()) await new Promise(resolve => setTimeout(resolve, 10))
}

async function storeOn (t: Test, node: Awaited<ReturnType<typeof startBitswapNode>>, blockstore: Blockstore = node.blockstore) {
  const dir = await mkdtemp(path.join(tmpdir(), 'virusmap-db-'))
  const db = await openDatabase({ path: dir })
  t.teardown(async () => {
    await db.close()
    await rm(dir, { recursive: true, force: true })
  })
  return await startSampleStore(t, {
    db,
    spoolDir: path.join(dir, 'spool'),
    blockstore,
    samples: createRepositories(db).samples,
    logger: pino({ level: 'silent' }),
    maxSampleBytes: 8 * CHUNK_SIZE,
    bitswap: node.bitswap
  })
}

tap.test('readSample fetches missing blocks by bitswap, keeps them, and then reads offline', async t => {
  const origin = await startBitswapNode(t, 'origin')
  const member = await startBitswapNode(t, 'member')
  const originStore = await storeOn(t, origin)
  const memberStore = await storeOn(t, member)

  const bytes = randomBytes(3 * CHUNK_SIZE + 99)
  const stored = await originStore.ingest((async function * () { yield bytes })())
  await member.libp2p.dial(origin.libp2p.getMultiaddrs())

  const out = await memberStore.readSample(stored.cid, stored.contentKey, { signal: AbortSignal.timeout(30_000) })
  t.same(Buffer.from(out), bytes)
  await until(async () => await member.blockstore.has(CID.parse(stored.cid)))
  t.pass('the member kept the ciphertext')

  await member.libp2p.stop()
  const again = await memberStore.readSample(stored.cid, stored.contentKey)
  t.same(Buffer.from(again), bytes, 'served from its own blockstore once fetched')
})

tap.test('a member scans what it fetched without waiting for its copy to be on disk; stop waits for the copy', async t => {
  const origin = await startBitswapNode(t, 'origin')
  const member = await startBitswapNode(t, 'member')
  const originStore = await storeOn(t, origin)
  // a disk whose writes hang until released, as fsyncs do under load
  const release = Promise.withResolvers<void>()
  const slowDisk = new Proxy(member.blockstore, {
    get (target, prop, receiver) {
      if (prop === 'put') return async (...args: Parameters<Blockstore['put']>) => { await release.promise; return await target.put(...args) }
      const value = Reflect.get(target, prop, receiver) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  const memberStore = await storeOn(t, member, slowDisk)
  const bytes = randomBytes(2 * CHUNK_SIZE + 5)
  const stored = await originStore.ingest((async function * () { yield bytes })())
  await member.libp2p.dial(origin.libp2p.getMultiaddrs())

  const out = await memberStore.readSample(stored.cid, stored.contentKey, { signal: AbortSignal.timeout(30_000) })
  t.same(Buffer.from(out), bytes, 'read while no block is written yet')
  t.notOk(await member.blockstore.has(CID.parse(stored.cid)))
  t.same(Buffer.from(await memberStore.readSample(stored.cid, stored.contentKey)), bytes, 'a second read takes the blocks being written')

  let stopped = false
  const stopping = memberStore.stop().then(() => { stopped = true })
  await new Promise(resolve => setTimeout(resolve, 50))
  t.notOk(stopped, 'stop waits for the copies being written')
  release.resolve()
  await stopping
  t.ok(await member.blockstore.has(CID.parse(stored.cid)), 'then the ciphertext is on disk')
})
