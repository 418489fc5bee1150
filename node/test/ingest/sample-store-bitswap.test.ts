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

async function storeOn (t: Test, node: Awaited<ReturnType<typeof startBitswapNode>>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'virusmap-db-'))
  const db = await openDatabase({ path: dir })
  t.teardown(async () => {
    await db.close()
    await rm(dir, { recursive: true, force: true })
  })
  return await startSampleStore(t, {
    db,
    spoolDir: path.join(dir, 'spool'),
    blockstore: node.blockstore,
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
  t.ok(await member.blockstore.has(CID.parse(stored.cid)), 'the member kept the ciphertext')

  await member.libp2p.stop()
  const again = await memberStore.readSample(stored.cid, stored.contentKey)
  t.same(Buffer.from(again), bytes, 'served from its own blockstore once fetched')
})
