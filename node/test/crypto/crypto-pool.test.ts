import { createHash, randomBytes } from 'node:crypto'
import { open, readFile } from 'node:fs/promises'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import tap from 'tap'
import {
  CHUNK_SIZE, CONVERGENT_KEY_DOMAIN, createCryptoPool, createParallelDigest, createSampleDigester, sealChunk
} from '../../src/crypto/index.ts'
import { createSharedBufferRing, createSharedBufferStock } from '../../src/crypto/shared-buffers.ts'
import type { Test } from 'tap'

async function started (t: Test, threads = 2) {
  const pool = createCryptoPool({ threads })
  await pool.start()
  t.teardown(() => pool.stop())
  return pool
}

/** a chunk in shared memory, with room after it for its tag */
const inPlace = (chunk: Uint8Array): Buffer => shared(Buffer.concat([chunk, Buffer.alloc(16)]))

const exited = async (w: Worker): Promise<unknown> => await new Promise(resolve => w.once('exit', resolve))

function shared (bytes: Uint8Array): Buffer {
  const b = Buffer.from(new SharedArrayBuffer(bytes.byteLength))
  b.set(bytes)
  return b
}

const ALL = [{ algorithm: 'sha256' as const }, { algorithm: 'sha1' as const }, { algorithm: 'md5' as const }, { algorithm: 'sha256' as const, hmacKey: CONVERGENT_KEY_DOMAIN }]

tap.test('a parallel digest computes what the one-core digester does, whatever the pieces', async t => {
  const pool = await started(t)
  for (const [size, piece] of [[0, 1], [1, 1], [CHUNK_SIZE - 1, 65_536], [CHUNK_SIZE, CHUNK_SIZE], [3 * CHUNK_SIZE + 7, 100_003], [2 * CHUNK_SIZE, 3 * CHUNK_SIZE]] as const) {
    const bytes = randomBytes(size)
    const one = createSampleDigester()
    one.update(bytes)
    const expected = one.digest()
    const parallel = createParallelDigest(pool, ALL)
    for (let o = 0; o < bytes.byteLength; o += piece) await parallel.update(bytes.subarray(o, o + piece))
    const [sha256, sha1, md5, contentKey] = (await parallel.digest()).map(d => Buffer.from(d).toString('hex'))
    parallel.discard()
    t.same({ sha256: `0x${sha256}`, sha1: `0x${sha1}`, md5: `0x${md5}`, contentKey }, { sha256: expected.sha256, sha1: expected.sha1, md5: expected.md5, contentKey: Buffer.from(expected.contentKey).toString('hex') }, `${size} bytes in ${piece}-byte pieces`)
  }
})

tap.test('a parallel digest of chunks already in shared memory, in order', async t => {
  const pool = await started(t)
  const bytes = randomBytes(3 * CHUNK_SIZE + 5)
  const digest = createParallelDigest(pool, [{ algorithm: 'md5' }, { algorithm: 'sha1' }])
  for (let o = 0; o < bytes.byteLength; o += CHUNK_SIZE) await digest.updateShared(shared(bytes.subarray(o, o + CHUNK_SIZE)))
  const [md5, sha1] = await digest.digest()
  digest.discard()
  t.same(Buffer.from(md5 as Uint8Array), createHash('md5').update(bytes).digest())
  t.same(Buffer.from(sha1 as Uint8Array), createHash('sha1').update(bytes).digest())
})

tap.test('sealing on a thread, in place, gives the bytes sealChunk gives and their sha256; a bad chunk rejects', async t => {
  const pool = await started(t)
  const key = randomBytes(32)
  const size = CHUNK_SIZE + 10
  const chunks = [randomBytes(CHUNK_SIZE), randomBytes(10)]
  for (const [index, chunk] of chunks.entries()) {
    const block = inPlace(chunk)
    const sha256 = await pool.sealChunk(key, size, index, block)
    t.same(block, sealChunk(key, size, index, chunk), `chunk ${index}`)
    t.same(Buffer.from(sha256), createHash('sha256').update(block).digest())
  }
  await t.rejects(pool.sealChunk(key, size, 1, inPlace(randomBytes(11))), { name: 'RangeError' }, 'the thread\'s error comes back')
  const block = inPlace(chunks[1] as Buffer)
  await pool.sealChunk(key, size, 1, block)
  t.same(block, sealChunk(key, size, 1, chunks[1] as Buffer), 'and the thread serves on')
})

tap.test('AES-GCM: sealed straight to a file, plaintext left as it is; opened in place, and a tampered file does not open and is zeroed', async t => {
  const pool = await started(t)
  const gcm = { key: randomBytes(32), nonce: randomBytes(12) }
  // more than one cipher piece (64 KiB), and not a multiple of one
  const plain = randomBytes(200_000)
  const name = path.join(t.testdir(), 'sealed')
  const file = await open(name, 'w+')
  t.teardown(() => file.close())
  const at = { fd: file.fd, position: 5 }
  const buffer = shared(Buffer.concat([plain, Buffer.alloc(16)]))
  await pool.gcmSeal(gcm, buffer.subarray(0, plain.byteLength), at)
  t.same(buffer.subarray(0, plain.byteLength), plain, 'the plaintext is left as it was')
  const written = (await readFile(name)).subarray(5)
  t.equal(written.byteLength, plain.byteLength + 16, 'ciphertext and tag, at the position given')
  t.notOk(written.includes(plain.subarray(0, 64)), 'no plaintext in the file')
  buffer.fill(0)
  t.equal(await pool.gcmOpen(gcm, buffer, buffer.subarray(0, plain.byteLength), at), true)
  t.same(buffer.subarray(0, plain.byteLength), plain, 'opened in place')
  await file.write(Buffer.from([(written[70_000] as number) ^ 1]), 0, 1, 5 + 70_000)
  t.equal(await pool.gcmOpen(gcm, buffer, buffer.subarray(0, plain.byteLength), at), false)
  t.same(buffer.subarray(0, plain.byteLength), Buffer.alloc(plain.byteLength), 'no unauthenticated byte is left')
  await file.truncate(100)
  t.equal(await pool.gcmOpen(gcm, buffer, buffer.subarray(0, plain.byteLength), at), false, 'a short file does not open')
})

tap.test('a pool not started, or stopped, refuses with CRYPTO_POOL_NOT_RUNNING', async t => {
  const pool = createCryptoPool({ threads: 1 })
  await t.rejects(pool.openDigest([{ algorithm: 'md5' }]).digest(), { code: 'CRYPTO_POOL_NOT_RUNNING' })
  await pool.start()
  const digest = pool.openDigest([{ algorithm: 'md5' }])
  await digest.update(shared(randomBytes(10)))
  await pool.stop()
  await t.rejects(digest.update(shared(randomBytes(10))), { code: 'CRYPTO_POOL_NOT_RUNNING' })
  await t.rejects(pool.sealChunk(randomBytes(32), 1, 0, shared(randomBytes(17))), { code: 'CRYPTO_POOL_NOT_RUNNING' })
})

/** The pool over a Worker that records every thread it starts. */
async function watchedPools (t: Test): Promise<{ spawned: Worker[], createWatchedPool: typeof createCryptoPool }> {
  const spawned: Worker[] = []
  const { createCryptoPool: createWatchedPool } = await t.mockImport<typeof import('../../src/crypto/crypto-pool.ts')>('../../src/crypto/crypto-pool.ts', {
    'node:worker_threads': {
      Worker: class extends Worker {
        constructor (...args: ConstructorParameters<typeof Worker>) {
          super(...args)
          spawned.push(this)
        }
      }
    }
  })
  return { spawned, createWatchedPool }
}

tap.test('a thread that dies fails its requests with CRYPTO_WORKER_FAILED and is replaced', async t => {
  const { spawned, createWatchedPool } = await watchedPools(t)
  const pool = createWatchedPool({ threads: 1 })
  await pool.start()
  t.teardown(() => pool.stop())
  // an idle thread keeps nothing alive, and neither does one terminated: the test holds the loop itself
  const alive = setInterval(() => {}, 1000)
  t.teardown(() => { clearInterval(alive) })
  t.equal(spawned.length, 0, 'no thread before the first request')
  const digest = pool.openDigest([{ algorithm: 'md5' }])
  await digest.update(shared(randomBytes(10)))
  t.equal(spawned.length, 1)
  // long enough (md5 of 64 MiB) to still be running when the thread goes
  const inFlight = digest.update(shared(randomBytes(64 * CHUNK_SIZE)))
  await spawned[0]?.terminate()
  await t.rejects(inFlight, { code: 'CRYPTO_WORKER_FAILED' })
  await t.rejects(digest.digest(), { code: 'CRYPTO_WORKER_FAILED' }, 'its streams are gone with it')
  // the replacement starts in the background; until it is ready there is no thread to ask
  let sha256: Uint8Array | undefined
  while (sha256 === undefined) {
    await new Promise(resolve => setTimeout(resolve, 10))
    sha256 = await pool.sealChunk(randomBytes(32), 1, 0, shared(randomBytes(17))).then(s => s, () => undefined)
  }
  t.equal(spawned.length, 2)
  t.equal(sha256.byteLength, 32, 'new requests are served')
})

tap.test('threads end once idle and start again with the next request', async t => {
  const { spawned, createWatchedPool } = await watchedPools(t)
  const pool = createWatchedPool({ threads: 2, idleMs: 50 })
  await pool.start()
  t.teardown(() => pool.stop())
  const alive = setInterval(() => {}, 1000)
  t.teardown(() => { clearInterval(alive) })
  const bytes = shared(randomBytes(10))
  const digest = pool.openDigest([{ algorithm: 'sha1' }])
  await digest.update(bytes)
  t.equal(spawned.length, 2, 'all threads start with the first request')
  const ended = Promise.all(spawned.map(exited))
  await new Promise(resolve => setTimeout(resolve, 150))
  t.same(Buffer.from((await digest.digest())[0] as Uint8Array), createHash('sha1').update(bytes).digest(), 'an open stream kept its thread past idleMs')
  await ended
  t.pass('then the idle threads ended')
  t.equal((await pool.sealChunk(randomBytes(32), 1, 0, shared(randomBytes(17)))).byteLength, 32)
  t.equal(spawned.length, 4, 'and a new request starts them again')
})

tap.test('the shared ring lends buffers in turn, waits for their work, and surfaces its failures', async t => {
  const stock = createSharedBufferStock(16, 1)
  const ring = createSharedBufferRing(2, stock)
  t.equal(ring.count, 2)
  const a = await ring.take()
  const b = await ring.take()
  t.not(a, b)
  t.ok(a.buffer instanceof SharedArrayBuffer)
  const first = Promise.withResolvers<void>()
  ring.lend(a, first.promise)
  ring.lend(b, Promise.reject(new Error('thread failed')))
  let third: Buffer | undefined
  const waiting = ring.take().then(buffer => { third = buffer })
  await new Promise(resolve => setImmediate(resolve))
  t.equal(third, undefined, 'a buffer still lent is not handed out')
  first.resolve()
  await waiting
  t.equal(third, a, 'then it comes round again')
  await t.rejects(ring.take(), /thread failed/, 'the failure of a buffer\'s work comes out when it is taken')
  // a view of a buffer stands for the buffer
  ring.lend(a.subarray(3, 9), Promise.reject(new Error('again')))
  await t.rejects(ring.drain(), /again/)
  t.throws(() => { ring.lend(Buffer.alloc(16), Promise.resolve()) }, RangeError)
  const late = Promise.withResolvers<void>()
  ring.lend(b, late.promise)
  let released = false
  const releasing = ring.release().then(() => { released = true })
  await new Promise(resolve => setImmediate(resolve))
  t.notOk(released, 'release waits for the work still out')
  late.resolve()
  await releasing
  await t.rejects(ring.take(), /released/)
  t.equal(stock.take(), a, 'a buffer went back to the stock (it keeps one)')
  t.not(stock.take(), b, 'the stock made a new one')
})
