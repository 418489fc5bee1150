/**
 * Ingests that fail while their blocks are written: nothing is acknowledged (no sample record),
 * and whatever blocks reached the disk are either discarded at once or left on record as pending,
 * for collectOrphanBlocks to delete.
 */
import { createHash, randomBytes } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import path from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { CHUNK_SIZE } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase, PendingIngestRepository } from '../../src/db/index.ts'
import { createSampleStore } from '../../src/ingest/index.ts'
import { WRITE_BATCH_CHUNKS } from '../../src/ingest/block-writer.ts'
import { collectOrphanBlocks } from '../../src/ingest/orphan-blocks.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Blockstore } from 'interface-blockstore'
import type { Test } from 'tap'

async function * pieces (bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < bytes.byteLength; o += 100_000) yield bytes.subarray(o, o + 100_000)
}

const sha256 = (bytes: Uint8Array): Hex => `0x${createHash('sha256').update(bytes).digest('hex')}`

/** A durable blockstore over a disk with room for `disk.blocksLeft` more blocks: the write of any further one fails with ENOSPC. */
async function fillingDisk (t: Test, root: string) {
  const disk = { blocksLeft: Infinity }
  const open = async (...args: Parameters<typeof fsp.open>): Promise<fsp.FileHandle> => {
    const handle = await fsp.open(...args)
    if (!String(args[0]).endsWith('.tmp') || disk.blocksLeft-- > 0) return handle
    handle.write = (async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' })
    }) as typeof handle.write
    return handle
  }
  const { createDurableBlockstore } = await t.mockImport<typeof import('../../src/ipfs/fs-blockstore.ts')>('../../src/ipfs/fs-blockstore.ts', {
    'node:fs/promises': { ...fsp, open }
  })
  const blockstore = createDurableBlockstore({ path: root })
  await blockstore.open()
  return { blockstore, disk }
}

async function setup (t: Test, wrap: (b: Blockstore) => Blockstore = b => b) {
  const dir = t.testdir()
  const { blockstore, disk } = await fillingDisk(t, path.join(dir, 'blocks'))
  const db = await openDatabase({ path: path.join(dir, 'db') })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  const pending = new PendingIngestRepository(db)
  const store = createSampleStore({ blockstore: wrap(blockstore), samples: repos.samples, pending, spoolDir: path.join(dir, 'spool'), logger: pino({ level: 'silent' }), maxSampleBytes: 64 * CHUNK_SIZE, spoolMemoryBytes: CHUNK_SIZE })
  await store.start()
  t.teardown(() => store.stop())
  const files = async (): Promise<string[]> => (await fsp.readdir(blockstore.path, { recursive: true })).filter(f => f.includes('.data'))
  const pendingCount = async (): Promise<number> => {
    let n = 0
    for await (const p of pending.list()) { void p; n++ }
    return n
  }
  return { store, blockstore, disk, repos, pending, files, pendingCount }
}

tap.test('a disk that fills up mid-ingest rejects with BLOCK_WRITE_FAILED and leaves nothing behind', async t => {
  const { store, disk, repos, files, pendingCount } = await setup(t)
  const bytes = randomBytes(3 * WRITE_BATCH_CHUNKS * CHUNK_SIZE + 5)
  disk.blocksLeft = WRITE_BATCH_CHUNKS + 4
  const err = await store.ingest(pieces(bytes)).then(() => undefined, (e: unknown) => e) as { code?: string, cause?: { code?: string }, message?: string } | undefined
  t.equal(err?.code, 'BLOCK_WRITE_FAILED')
  t.equal(err?.cause?.code, 'ENOSPC', 'the cause is the write that failed')
  t.match(err?.message, /ENOSPC/)
  t.equal(await repos.samples.get(sha256(bytes)), undefined, 'nothing acknowledged')
  t.same(await files(), [], 'the blocks written before the disk filled were discarded, and no temp file is left')
  t.equal(await pendingCount(), 0)

  // with room again, the same bytes store whole
  disk.blocksLeft = Infinity
  const stored = await store.ingest(pieces(bytes))
  t.same(Buffer.from(await store.readSample(stored.cid, stored.contentKey)), bytes)
})

tap.test('an ingest aborted mid-write acknowledges nothing, and blocks it could not discard are collected as orphans', async t => {
  const controller = new AbortController()
  let written = 0
  // deletes fail, so the ingest cannot clean up after itself; the client leaves once some blocks are written
  // (a put starts before its batch is on record, so it is counted once it has stored its block)
  const { store, blockstore, repos, pending, files, pendingCount } = await setup(t, inner => {
    const wrapped = Object.create(inner) as Blockstore
    wrapped.delete = async () => { throw new Error('EIO: i/o error, unlink') }
    wrapped.put = async (cid, bytes, options) => {
      const stored = await inner.put(cid, bytes, options)
      if (++written === WRITE_BATCH_CHUNKS + 2) controller.abort(new Error('client went away'))
      return stored
    }
    return wrapped
  })
  const bytes = randomBytes(3 * WRITE_BATCH_CHUNKS * CHUNK_SIZE)
  await t.rejects(store.ingest(pieces(bytes), { signal: controller.signal }), /client went away/)
  t.equal(await repos.samples.get(sha256(bytes)), undefined, 'nothing acknowledged')
  const left = (await files()).length
  t.ok(left > 0, 'some blocks reached the disk')
  t.equal(await pendingCount(), 1, 'and they are on record as pending')

  const collected = await collectOrphanBlocks({ blockstore, samples: repos.samples, pending })
  t.same(collected, { ingests: 1, blocks: left }, 'the next start collects every one of them')
  t.same(await files(), [])
  t.equal(await pendingCount(), 0)
})
