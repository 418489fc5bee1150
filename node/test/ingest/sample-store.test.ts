import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { CID } from 'multiformats/cid'
import { CHUNK_SIZE } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createDurableBlockstore } from '../../src/ipfs/index.ts'
import { abortable } from '../../src/ingest/index.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'
import { detectFileType } from '../../src/scan/file-type.ts'
import type { Test } from 'tap'

const MAX = 3 * CHUNK_SIZE

async function setup (t: Test, maxSampleBytes = MAX) {
  const dir = await mkdtemp(path.join(tmpdir(), 'virusmap-ingest-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const blockstore = createDurableBlockstore({ path: path.join(dir, 'blocks') })
  await blockstore.open()
  const db = await openDatabase({ path: path.join(dir, 'db') })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  const logs: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => { logs.push(line) } })
  const store = await startSampleStore(t, { db, spoolDir: path.join(dir, 'spool'), blockstore, samples: repos.samples, logger, maxSampleBytes, now: () => 1_700_000_000_000 })
  const blockCount = async (): Promise<number> => {
    const pairs = blockstore.getAll()
    let n = 0
    while ((await pairs.next()).done !== true) n++
    return n
  }
  return { store, repos, blockstore, logs, blockCount, db }
}

async function * pieces (bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < bytes.byteLength; o += size) yield bytes.subarray(o, o + size)
}

const hex = (alg: string, b: Uint8Array): string => `0x${createHash(alg).update(b).digest('hex')}`

tap.test('ingest hashes, stores durably, records metadata, and reads back', async t => {
  const { store, repos, logs, blockCount } = await setup(t)
  const bytes = randomBytes(2 * CHUNK_SIZE + 4321)
  bytes.write('MZ', 0, 'latin1')
  const stored = await store.ingest(pieces(bytes, 65_537), { name: 'evil.exe' })
  t.equal(stored.sha256, hex('sha256', bytes))
  t.equal(stored.sha1, hex('sha1', bytes))
  t.equal(stored.md5, hex('md5', bytes))
  t.equal(stored.size, bytes.byteLength)
  t.equal(stored.contentKey.byteLength, 32)
  t.equal(stored.fileType, detectFileType(bytes), 'type from the leading bytes')
  t.equal(CID.parse(stored.cid).version, 1)
  t.equal(await blockCount(), 4, 'three chunks and a manifest')

  const record = await repos.samples.find(stored.md5)
  t.equal(record?.cid, stored.cid)
  t.equal(record?.contentKey, `0x${Buffer.from(stored.contentKey).toString('hex')}`)
  t.same(record?.names, ['evil.exe'])
  t.equal(record?.fileType, stored.fileType)

  const out = await store.readSample(stored.cid, stored.contentKey)
  t.same(Buffer.from(out), bytes)
  const keyHex = Buffer.from(stored.contentKey).toString('hex')
  t.notOk(logs.join('').includes(keyHex), 'the content key is never logged')
  await t.rejects(store.readSample(stored.cid, randomBytes(32)), { code: 'DECRYPTION_FAILED' })
})

tap.test('dedupe: the same bytes in other pieces give the same CID and no new blocks', async t => {
  const { store, repos, blockCount } = await setup(t)
  const bytes = randomBytes(CHUNK_SIZE + 10)
  const a = await store.ingest(pieces(bytes, 1000), { name: 'a' })
  const before = await blockCount()
  const b = await store.ingest(pieces(bytes, CHUNK_SIZE), { name: 'b' })
  t.equal(a.cid, b.cid)
  t.equal(await blockCount(), before)
  t.same((await repos.samples.get(a.sha256))?.names, ['a', 'b'])
  const other = Buffer.from(bytes)
  other.writeUInt8(other.readUInt8(0) ^ 1, 0)
  t.not((await store.ingest(pieces(other, 4096))).cid, a.cid)
})

tap.test('empty and tiny samples', async t => {
  const { store } = await setup(t)
  for (const bytes of [new Uint8Array(0), new Uint8Array([0x4d])]) {
    const s = await store.ingest(pieces(bytes, 1))
    t.equal(s.size, bytes.byteLength)
    t.same(Buffer.from(await store.readSample(CID.parse(s.cid), s.contentKey)), Buffer.from(bytes))
  }
})

tap.test('over-size input is rejected while reading and nothing is stored', async t => {
  const { store, db, blockCount } = await setup(t, CHUNK_SIZE)
  let pulled = 0
  const source = (async function * () {
    for (let i = 0; i < 1000; i++) { pulled++; yield new Uint8Array(256 * 1024) }
  })()
  await t.rejects(store.ingest(source), { code: 'SAMPLE_TOO_LARGE', name: 'SampleTooLargeError' })
  t.equal(pulled, 5, 'stopped at the first piece past the limit')
  t.equal(await blockCount(), 0)
  t.same(await db.keys({ gte: 'sample', lt: 'samplf' }).all(), [])
  // exactly at the limit is fine; a lower per-upload limit applies
  await store.ingest(pieces(new Uint8Array(CHUNK_SIZE), 4096))
  await t.rejects(store.ingest(pieces(new Uint8Array(100), 10), { maxBytes: 99 }), { code: 'SAMPLE_TOO_LARGE' })
})

tap.test('abort mid-upload (even while the source stalls) stores no metadata', async t => {
  const { store, repos, blockCount } = await setup(t)
  const controller = new AbortController()
  const bytes = randomBytes(100_000)
  let closed = false
  let calls = 0
  // like a network stream: the second read never completes; return() tears it down
  const source: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (calls++ === 0) return { done: false, value: bytes }
        setTimeout(() => { controller.abort(new Error('client went away')) }, 10)
        return new Promise(() => {})
      },
      return: async () => {
        closed = true
        return { done: true, value: undefined }
      }
    })
  }
  await t.rejects(store.ingest(source, { signal: controller.signal }), /client went away/)
  t.ok(closed, 'the source was closed')
  t.equal(await blockCount(), 0)
  t.equal(await repos.samples.get(hex('sha256', bytes) as `0x${string}`), undefined)
  await t.rejects(store.ingest(pieces(bytes, 10), { signal: AbortSignal.abort() }))
})

tap.test('abort during block writes leaves no metadata', async t => {
  const { store, repos } = await setup(t)
  const bytes = randomBytes(3 * CHUNK_SIZE)
  const controller = new AbortController()
  const source = (async function * () {
    yield * pieces(bytes, CHUNK_SIZE)
    queueMicrotask(() => { controller.abort() }) // lands while encrypting/writing
  })()
  await t.rejects(store.ingest(source, { signal: controller.signal }))
  t.equal(await repos.samples.get(hex('sha256', bytes) as `0x${string}`), undefined)
})

tap.test('readSample rejects foreign CIDs and reports missing blocks', async t => {
  const { store } = await setup(t)
  await t.rejects(store.readSample('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', new Uint8Array(32)), { code: 'MANIFEST_INVALID' })
  const other = await setup(t)
  const s = await other.store.ingest(pieces(randomBytes(10), 10))
  await t.rejects(store.readSample(s.cid, s.contentKey), { code: 'NOT_FOUND' })
})

tap.test('abortable closes the source when the consumer stops early', async t => {
  let closed = false
  const source = (async function * () {
    try { yield 1; yield 2 } finally { closed = true }
  })()
  for await (const v of abortable(source, { signal: new AbortController().signal })) if (v === 1) break
  t.ok(closed)
})
