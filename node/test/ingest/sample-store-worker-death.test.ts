/**
 * Ingests whose crypto thread dies under them, or that are aborted, mid-way: the ingest rejects
 * with a code, nothing is acknowledged (no sample record), and nothing is left behind (no block,
 * no pending record, no spool file); the next ingest of the same bytes, on the replacement thread,
 * stores them whole.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import tap from 'tap'
import { pino } from 'pino'
import { CHUNK_SIZE } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase, PendingIngestRepository } from '../../src/db/index.ts'
import { createDurableBlockstore } from '../../src/ipfs/index.ts'
import { createSampleStore } from '../../src/ingest/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Blockstore } from 'interface-blockstore'
import type { Test } from 'tap'

const SIZE = 6 * CHUNK_SIZE + 1234
const sha256 = (bytes: Uint8Array): Hex => `0x${createHash('sha256').update(bytes).digest('hex')}`

async function * pieces (bytes: Uint8Array, onPiece: (offset: number) => Promise<void> = async () => {}): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < bytes.byteLength; o += 100_000) {
    await onPiece(o)
    yield bytes.subarray(o, o + 100_000)
  }
}

/**
 * A store on a one-thread crypto pool whose threads the test can reach (`spawned`), over a
 * blockstore whose put calls `onPut` first.
 */
async function setup (t: Test) {
  const spawned: Worker[] = []
  const { createCryptoPool } = await t.mockImport<typeof import('../../src/crypto/crypto-pool.ts')>('../../src/crypto/crypto-pool.ts', {
    'node:worker_threads': {
      Worker: class extends Worker {
        constructor (...args: ConstructorParameters<typeof Worker>) {
          super(...args)
          spawned.push(this)
        }
      }
    }
  })
  const crypto = createCryptoPool({ threads: 1 })
  await crypto.start()
  t.teardown(() => crypto.stop())
  const dir = t.testdir()
  const durable = createDurableBlockstore({ path: path.join(dir, 'blocks') })
  await durable.open()
  const hooks = { onPut: async (): Promise<void> => {} }
  const blockstore = new Proxy(durable, {
    get (target, key, receiver) {
      if (key !== 'put') return Reflect.get(target, key, receiver)
      return async (...args: Parameters<Blockstore['put']>) => {
        await hooks.onPut()
        return await target.put(...args)
      }
    }
  })
  const db = await openDatabase({ path: path.join(dir, 'db') })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  const pending = new PendingIngestRepository(db)
  const spoolDir = path.join(dir, 'spool')
  const store = createSampleStore({ blockstore, samples: repos.samples, pending, spoolDir, logger: pino({ level: 'silent' }), maxSampleBytes: 16 * CHUNK_SIZE, spoolMemoryBytes: CHUNK_SIZE, crypto })
  await store.start()
  t.teardown(() => store.stop())
  /** everything an unfinished ingest could leave: block files (and temp files), pending batches, spool files */
  const leftovers = async (): Promise<{ blocks: string[], pending: number, spools: string[] }> => {
    const blocks = (await readdir(durable.path, { recursive: true })).filter(f => f.endsWith('.data') || f.endsWith('.tmp'))
    let batches = 0
    for await (const p of pending.list()) { void p; batches++ }
    return { blocks, pending: batches, spools: await readdir(spoolDir) }
  }
  return { store, repos, spawned, hooks, leftovers }
}

/** Keeps the event loop alive while a test terminates threads (a terminated thread holds nothing). */
function holdLoop (t: Test): void {
  const alive = setInterval(() => {}, 1000)
  t.teardown(() => { clearInterval(alive) })
}

tap.test('a crypto thread that dies while the upload is hashed fails the ingest with CRYPTO_WORKER_FAILED and leaves nothing', async t => {
  const { store, repos, spawned, leftovers } = await setup(t)
  holdLoop(t)
  const bytes = randomBytes(SIZE)
  // three chunks in: some are hashed, some spilled to the spool, and more are on their way
  const source = pieces(bytes, async (offset) => {
    if (offset >= 3 * CHUNK_SIZE && spawned.length === 1) await spawned[0]?.terminate()
  })
  await t.rejects(store.ingest(source), { code: 'CRYPTO_WORKER_FAILED', name: 'CryptoWorkerFailedError' })
  t.equal(await repos.samples.get(sha256(bytes)), undefined, 'nothing acknowledged')
  t.same(await leftovers(), { blocks: [], pending: 0, spools: [] }, 'no block, no pending batch, no spool file')

  const stored = await store.ingest(pieces(bytes))
  t.equal(spawned.length, 2, 'served by a replacement thread')
  t.equal(stored.sha256, sha256(bytes))
  t.same(Buffer.from(await store.readSample(stored.cid, stored.contentKey)), bytes, 'the same bytes then store whole')
})

tap.test('a crypto thread that dies while blocks are sealed and written fails the ingest and discards its blocks', async t => {
  const { store, repos, spawned, hooks, leftovers } = await setup(t)
  holdLoop(t)
  const bytes = randomBytes(SIZE)
  let puts = 0
  // the first block is being written: later chunks are being read back, hashed (sha1) and sealed on the thread
  hooks.onPut = async () => {
    if (puts++ === 0) await spawned[0]?.terminate()
  }
  await t.rejects(store.ingest(pieces(bytes)), { code: 'CRYPTO_WORKER_FAILED' })
  t.ok(puts > 0, 'it died during the second pass')
  t.equal(await repos.samples.get(sha256(bytes)), undefined, 'nothing acknowledged')
  t.same(await leftovers(), { blocks: [], pending: 0, spools: [] }, 'the blocks written were discarded at once')

  hooks.onPut = async () => {}
  const stored = await store.ingest(pieces(bytes))
  t.same(Buffer.from(await store.readSample(stored.cid, stored.contentKey)), bytes)
})

tap.test('an ingest aborted by its signal, in either pass, rejects with the reason and leaves nothing', async t => {
  const { store, repos, hooks, leftovers } = await setup(t)
  const bytes = randomBytes(SIZE)
  const hashing = new AbortController()
  const source = pieces(bytes, async (offset) => {
    if (offset >= 3 * CHUNK_SIZE) hashing.abort(new Error('client went away'))
  })
  await t.rejects(store.ingest(source, { signal: hashing.signal }), /client went away/)
  t.same(await leftovers(), { blocks: [], pending: 0, spools: [] }, 'aborted while hashed')

  const writing = new AbortController()
  let puts = 0
  hooks.onPut = async () => {
    if (++puts === 2) writing.abort(new Error('shutting down'))
  }
  await t.rejects(store.ingest(pieces(bytes), { signal: writing.signal }), /shutting down/)
  t.ok(puts >= 2)
  t.equal(await repos.samples.get(sha256(bytes)), undefined, 'nothing acknowledged')
  t.same(await leftovers(), { blocks: [], pending: 0, spools: [] }, 'aborted while blocks were written')
})
