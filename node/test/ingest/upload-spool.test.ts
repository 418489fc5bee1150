import { randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import tap from 'tap'
import type { AbortOptions } from '@libp2p/interface'
import { CHUNK_SIZE, createCryptoPool } from '../../src/crypto/index.ts'
import { clearSpools, createUploadSpool } from '../../src/ingest/upload-spool.ts'
import type { SharedBufferRing } from '../../src/crypto/shared-buffers.ts'
import type { UploadSpool } from '../../src/ingest/upload-spool.ts'

const crypto = createCryptoPool({ threads: 2 })
await crypto.start()
tap.teardown(() => crypto.stop())

async function fill (spool: UploadSpool, bytes: Uint8Array, piece: number): Promise<void> {
  for (let o = 0; o < bytes.byteLength; o += piece) await spool.write(bytes.subarray(o, o + piece))
}

async function readBackInto (spool: UploadSpool, into: SharedBufferRing): Promise<void> {
  for await (const chunk of spool.chunks(into)) void chunk
}

/** the chunks as chunks() reads them into a ring's buffers, copied out */
async function readBack (spool: UploadSpool, options: AbortOptions = {}): Promise<Uint8Array[]> {
  const into = crypto.slots(3)
  const out: Uint8Array[] = []
  try {
    for await (const chunk of spool.chunks(into, options)) out.push(Buffer.from(chunk))
  } finally {
    await into.release()
  }
  return out
}

tap.test('every size reads back as the same bytes in CHUNK_SIZE chunks', async t => {
  const dir = t.testdir()
  for (const size of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 77]) {
    const bytes = randomBytes(size)
    const spool = createUploadSpool({ dir, maxBytes: 10 * CHUNK_SIZE, memoryChunks: 1, crypto })
    await fill(spool, bytes, 65_537)
    t.equal(spool.size, size)
    const chunks = await readBack(spool)
    t.same(Buffer.concat(chunks), bytes, `${size} bytes`)
    t.equal(chunks.length, Math.max(1, Math.ceil(size / CHUNK_SIZE)), 'one empty chunk for an empty upload')
    t.ok(chunks.slice(0, -1).every(c => c.byteLength === CHUNK_SIZE), 'all full but the last')
    t.same(Buffer.from(spool.head()), bytes.subarray(0, CHUNK_SIZE), 'head is the leading bytes')
    await spool.discard()
    await spool.discard()
  }
  t.same(await readdir(dir), [], 'discard leaves no file')
})

tap.test('small uploads stay in memory; larger ones spill sealed, never as plaintext', async t => {
  const dir = t.testdir()
  const small = createUploadSpool({ dir, maxBytes: 10 * CHUNK_SIZE, memoryChunks: 2, crypto })
  await fill(small, randomBytes(2 * CHUNK_SIZE + 10), CHUNK_SIZE)
  t.same(await readdir(dir), [], 'two full chunks and a partial one: no file')

  const bytes = Buffer.alloc(4 * CHUNK_SIZE + 5, 'PLAINTEXT-MARKER-')
  const big = createUploadSpool({ dir, maxBytes: 10 * CHUNK_SIZE, memoryChunks: 1, crypto })
  await fill(big, bytes, 100_000)
  // spills are written in the background; reading back waits for them
  t.same(Buffer.concat(await readBack(big)), bytes)
  const [file] = await readdir(dir)
  t.ok(file?.endsWith('.spool'))
  const onDisk = await readFile(path.join(dir, file as string))
  t.equal(onDisk.byteLength, 3 * (CHUNK_SIZE + 16), 'chunks 2 to 4 spilled with their tags; the partial last stays in memory')
  t.notOk(onDisk.includes('PLAINTEXT-MARKER'), 'no plaintext on disk')
  await big.discard()
  await small.discard()
  t.same(await readdir(dir), [])
})

tap.test('over-size uploads fail while written', async t => {
  const spool = createUploadSpool({ dir: t.testdir(), maxBytes: 1000, memoryChunks: 1, crypto })
  await spool.write(new Uint8Array(1000))
  await t.rejects(spool.write(new Uint8Array(1)), { code: 'SAMPLE_TOO_LARGE', name: 'SampleTooLargeError' })
  await spool.discard()
})

tap.test('a spool changed on disk fails to read back (SPOOL_CORRUPT), never yields altered bytes', async t => {
  const dir = t.testdir()
  const spool = createUploadSpool({ dir, maxBytes: 10 * CHUNK_SIZE, memoryChunks: 1, crypto })
  const plain = randomBytes(3 * CHUNK_SIZE)
  await fill(spool, plain, CHUNK_SIZE)
  t.same(Buffer.concat(await readBack(spool)), plain, 'reads back, and more than once, until the file changes')
  const file = path.join(dir, (await readdir(dir))[0] as string)
  const bytes = await readFile(file)
  bytes[10] = (bytes[10] as number) ^ 1
  await writeFile(file, bytes)
  const read = readBack(spool)
  await t.rejects(read, { code: 'SPOOL_CORRUPT', name: 'SpoolCorruptError' })
  await writeFile(file, bytes.subarray(0, 100))
  await t.rejects(readBack(spool), { code: 'SPOOL_CORRUPT' }, 'truncated')
  await spool.discard()
})

tap.test('an aborted read stops; clearSpools removes what a crash left and nothing else', async t => {
  const dir = t.testdir({ 'keep.txt': 'x', 'old.spool': 'left by a crash' })
  const spool = createUploadSpool({ dir, maxBytes: 10 * CHUNK_SIZE, memoryChunks: 1, crypto })
  await fill(spool, randomBytes(3 * CHUNK_SIZE), CHUNK_SIZE)
  await t.rejects(readBack(spool, { signal: AbortSignal.abort() }))
  t.equal(await clearSpools(dir), 2, 'the crash\'s and this one')
  t.same(await readdir(dir), ['keep.txt'])
  await spool.discard()
})

tap.test('the hash hook reads every chunk in order, in shared memory, before it is sealed over', async t => {
  const dir = t.testdir()
  for (const size of [0, 17, CHUNK_SIZE, 3 * CHUNK_SIZE + 77]) {
    const seen: Buffer[] = []
    const hash = async (chunk: Uint8Array): Promise<void> => {
      t.ok(chunk.buffer instanceof SharedArrayBuffer, 'no copy: the spool\'s own shared buffer')
      // a copy taken now: what the hashes read, before any spill seals the buffer in place
      seen.push(Buffer.from(chunk))
      await new Promise(resolve => setTimeout(resolve, 1))
    }
    const spool = createUploadSpool({ dir, maxBytes: 10 * CHUNK_SIZE, memoryChunks: 1, crypto, hash })
    const bytes = Buffer.alloc(size, 'PLAINTEXT-MARKER-')
    await fill(spool, bytes, 65_537)
    await spool.end()
    t.same(Buffer.concat(seen), bytes, `${size} bytes hashed whole, in order`)
    t.ok(seen.every((c, i) => i === seen.length - 1 || c.byteLength === CHUNK_SIZE), 'in CHUNK_SIZE chunks, the last short')
    for (const file of await readdir(dir)) t.notOk((await readFile(path.join(dir, file))).includes('PLAINTEXT-MARKER'), 'spilled sealed, after hashing')
    t.same(Buffer.concat(await readBack(spool)), bytes, 'and it reads back')
    await spool.discard()
  }
})

tap.test('a failing hash fails the upload, and discard still cleans up', async t => {
  const dir = t.testdir()
  const spool = createUploadSpool({ dir, maxBytes: 10 * CHUNK_SIZE, memoryChunks: 1, crypto, hash: async () => { throw Object.assign(new Error('thread died'), { code: 'CRYPTO_WORKER_FAILED' }) } })
  await t.rejects((async () => {
    await fill(spool, randomBytes(9 * CHUNK_SIZE), CHUNK_SIZE)
    await spool.end()
  })(), { code: 'CRYPTO_WORKER_FAILED' })
  await spool.discard()
  t.same(await readdir(dir), [])
})

tap.test('chunks are read straight into the caller\'s ring, in turn, and a ring of one is refused', async t => {
  const dir = t.testdir()
  const spool = createUploadSpool({ dir, maxBytes: 10 * CHUNK_SIZE, memoryChunks: 2, crypto })
  const bytes = randomBytes(7 * CHUNK_SIZE + 3)
  await fill(spool, bytes, 65_537)
  await spool.end()
  const into = crypto.slots(3)
  const memories: ArrayBufferLike[] = []
  const out: Buffer[] = []
  for await (const chunk of spool.chunks(into)) {
    t.ok(chunk.buffer instanceof SharedArrayBuffer && chunk.byteOffset === 0, 'a view of a shared buffer, from its start')
    memories.push(chunk.buffer)
    out.push(Buffer.from(chunk))
    // the caller's work on the chunk holds its buffer
    into.lend(chunk, new Promise(resolve => setTimeout(resolve, 2)))
  }
  t.same(Buffer.concat(out), bytes, 'kept, spilled and the short last chunk, in order')
  t.equal(new Set(memories).size, 3, 'the ring\'s three buffers')
  t.ok(memories.every((m, i) => m === memories[i % 3]), 'taken in turn')
  await into.release()
  const one = crypto.slots(1)
  await t.rejects(readBackInto(spool, one), { name: 'RangeError' })
  await one.release()
  await spool.discard()
  t.same(await readdir(dir), [])
})

tap.test('discard waits for reads still running, whatever the reader left', async t => {
  const dir = t.testdir()
  const spool = createUploadSpool({ dir, maxBytes: 10 * CHUNK_SIZE, memoryChunks: 1, crypto })
  await fill(spool, randomBytes(6 * CHUNK_SIZE), CHUNK_SIZE)
  await spool.end()
  const into = crypto.slots(4)
  const reader = spool.chunks(into)
  // one chunk asked for: the next ones are being read ahead when the reader walks away
  t.equal((await reader.next()).done, false)
  await spool.discard()
  t.same(await readdir(dir), [], 'the file is gone once the reads ended')
  await reader.return()
  await into.release()
})
