import { randomBytes } from 'node:crypto'
import path from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { CID } from 'multiformats/cid'
import { CHUNK_SIZE } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createDurableBlockstore } from '../../src/ipfs/index.ts'
import { sampleRescans } from '../../src/supernode/api-adapters.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'
import type { Hex } from '#protocol/messages.ts'

tap.test('a rescan re-submits the stored sample without reading it; unknown ids are undefined', async t => {
  const dir = t.testdir()
  const blockstore = createDurableBlockstore({ path: path.join(dir, 'blocks') })
  await blockstore.open()
  const db = await openDatabase({ path: path.join(dir, 'db') })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  const store = await startSampleStore(t, { db, blockstore, samples: repos.samples, logger: pino({ level: 'silent' }), maxSampleBytes: 8 * CHUNK_SIZE })
  const bytes = randomBytes(3 * CHUNK_SIZE + 9)
  const stored = await store.ingest((async function * () { yield bytes })())

  let opened = 0
  const spied = { openSample: async (...args: Parameters<typeof store.openSample>) => { opened++; return await store.openSample(...args) } }
  const submitted: string[] = []
  const rescan = sampleRescans(repos.samples, spied, async (source, meta, options) => {
    const again = await store.ingest(source, { ...meta, ...options })
    submitted.push(again.cid)
    return { analysisId: `0x${'ab'.repeat(32)}`, sha256: again.sha256 }
  })

  for (const hash of [stored.sha256, stored.sha1, stored.md5]) {
    t.same(await rescan(hash), { analysisId: `0x${'ab'.repeat(32)}`, sha256: stored.sha256 })
  }
  t.same(submitted, [stored.cid, stored.cid, stored.cid], 'the coordinator got the stored sample')
  t.equal(opened, 0, 'not a byte was decrypted')
  t.equal(await rescan(`0x${'ee'.repeat(32)}` as Hex), undefined)

  // with its manifest gone the rescan streams the sample back in: decrypting needs the manifest,
  // so the stream fails as the bytes are unreadable, and nothing is claimed stored
  await blockstore.delete(CID.parse(stored.cid))
  await t.rejects(rescan(stored.sha256), { code: 'NOT_FOUND' })
  t.equal(opened, 1)
})
