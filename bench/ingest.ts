/**
 * Ingest throughput: a 64 MiB random sample hashed (sha256, sha1, md5, convergent key), encrypted
 * and stored durably (spooled while hashed, then fsynced blocks + synced metadata) in a temp dir,
 * beside baselines over the same bytes in the same run: raw node:crypto, coreutils sha256sum, a
 * plain fsynced copy of the file and a write + fsync of the bytes (the floor for storing them once),
 * the cipher alone, and the ingest's hashing and sealing alone, on one core and on the crypto pool's
 * threads.
 * The process sizes libuv's threadpool as a node does (cli/threadpool.ts): the blocks' fsyncs run there.
 * Run: npx node bench/ingest.ts [MiB] [reps]
 */
// first: the threadpool is sized before anything uses it
import '../node/src/cli/threadpool.ts'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { copyFile, mkdtemp, open, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { CHUNK_SIZE, CONVERGENT_KEY_DOMAIN, TAG_BYTES, createCryptoPool, createParallelDigest, createSampleDigester, encryptSample, sealChunkInto } from '../node/src/crypto/index.ts'
import { createRepositories, openDatabase, PendingIngestRepository, SmallBlockRepository } from '../node/src/db/index.ts'
import { createDurableBlockstore, createSmallBlockTier } from '../node/src/ipfs/index.ts'
import { createSampleStore } from '../node/src/ingest/index.ts'
import { threadPart } from './cpu-parts.ts'

const MIB = 1024 * 1024
const sizeMiB = Number(process.argv[2] ?? 64)
const reps = Number(process.argv[3] ?? 5)
/** uploads arrive as stream pieces; 64 KiB is what an HTTP body parser typically hands over */
const PIECE = 64 * 1024
const bytes = randomBytes(sizeMiB * MIB)
const chunks = Array.from({ length: Math.ceil(bytes.byteLength / CHUNK_SIZE) }, (_, i) => bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE))
const scratch = await mkdtemp(path.join(tmpdir(), 'virusmap-bench-'))
const sampleFile = path.join(scratch, 'sample.bin')
await writeFile(sampleFile, bytes)
const pool = createCryptoPool()
await pool.start()

async function * pieces (): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < bytes.byteLength; o += PIECE) yield bytes.subarray(o, o + PIECE)
}

async function time (fn: () => Promise<void> | void): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

async function fsync (file: string): Promise<void> {
  const handle = await open(file, 'r')
  await handle.sync()
  await handle.close()
}

/**
 * Cases that spawn a process. They run before the others, not in turn with them: forking this
 * process marks all its memory copy-on-write, and each case after a fork paid a page fault per page
 * it wrote (the full ingest took twice as long).
 */
const spawning: Record<string, () => Promise<number>> = {
  'sha256sum (coreutils, file in page cache)': async () => time(async () => { await promisify(execFile)('sha256sum', [sampleFile]) })
}

const median = (xs: number[]): number => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)] as number

/**
 * CPU of each full ingest, the warm-up's first: the whole process's (every thread: event loop,
 * crypto threads, libuv, GC) and the event loop's alone. Wall time depends on what else the
 * machine runs; CPU per ingest much less, so it compares runs on a loaded machine.
 */
const ingestCpu: Array<{ all: number, loop: number, threads: Map<string, number> }> = []

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000

/**
 * CPU ms of this process's threads by name (Linux /proc schedstat, ns; empty elsewhere), for where
 * an ingest's CPU goes: the crypto pool's threads one by one (their balance bounds each pass),
 * libuv's threadpool (block writes, fsyncs) and V8's helpers (GC, JIT) together.
 */
async function threadCpu (): Promise<Map<string, number>> {
  const threads = new Map<string, number>()
  const tasks = await readdir('/proc/self/task').catch(() => [])
  for (const tid of tasks) {
    const read = async (file: string): Promise<string> => await readFile(`/proc/self/task/${tid}/${file}`, 'utf8').catch(() => '')
    const name = (await read('comm')).trim()
    const ms = Number((await read('schedstat')).split(' ')[0]) / 1e6
    if (name === '' || !Number.isFinite(ms)) continue
    // worker threads all share one name: each is told apart by its thread id
    const key = name === 'WorkerThread' ? `crypto thread ${tid}` : threadPart(name)
    threads.set(key, (threads.get(key) ?? 0) + ms)
  }
  return threads
}

const cases: Record<string, () => Promise<number>> = {
  'sha256 (node:crypto, raw)': async () => time(() => { createHash('sha256').update(bytes).digest() }),
  'fsynced copy (copyFile + fsync file and dir)': async () => {
    const copy = path.join(scratch, 'copy.bin')
    const ms = await time(async () => {
      await copyFile(sampleFile, copy)
      await fsync(copy)
      await fsync(scratch)
    })
    await rm(copy)
    return ms
  },
  'write + fsync from memory (one file, and dir)': async () => {
    const copy = path.join(scratch, 'written.bin')
    const ms = await time(async () => {
      const handle = await open(copy, 'w')
      await handle.write(bytes)
      await handle.sync()
      await handle.close()
      await fsync(scratch)
    })
    await rm(copy)
    return ms
  },
  'chacha20-poly1305 alone (64 KiB pieces, one core)': async () => time(() => {
    const out = Buffer.allocUnsafe(CHUNK_SIZE + TAG_BYTES)
    for (let i = 0; i < chunks.length; i++) sealChunkInto(new Uint8Array(32), bytes.byteLength, i, chunks[i] as Buffer, out.subarray(0, (chunks[i] as Buffer).byteLength + TAG_BYTES))
  }),
  'sha256+sha1+md5 (one pass, one core)': async () => time(() => {
    const hs = ['sha256', 'sha1', 'md5'].map(a => createHash(a))
    for (let o = 0; o < bytes.byteLength; o += PIECE) for (const h of hs) h.update(bytes.subarray(o, o + PIECE))
    for (const h of hs) h.digest()
  }),
  '+ convergent key (sample digester, one core)': async () => time(() => {
    const d = createSampleDigester()
    for (let o = 0; o < bytes.byteLength; o += PIECE) d.update(bytes.subarray(o, o + PIECE))
    d.digest()
  }),
  [`  the same on the crypto pool (${pool.threads} threads)`]: async () => time(async () => {
    const d = createParallelDigest(pool, [{ algorithm: 'sha256' }, { algorithm: 'sha1' }, { algorithm: 'md5' }, { algorithm: 'sha256', hmacKey: CONVERGENT_KEY_DOMAIN }])
    for (let o = 0; o < bytes.byteLength; o += PIECE) await d.update(bytes.subarray(o, o + PIECE))
    await d.digest()
    d.discard()
  }),
  'seal (chacha20-poly1305 + chunk CIDs, one core)': async () => time(() => {
    for (const block of encryptSample(chunks, bytes.byteLength, new Uint8Array(32))) void block
  }),
  'full ingest (hash + encrypt + fsync + synced metadata)': async () => {
    const dir = await mkdtemp(path.join(scratch, 'store-'))
    const db = await openDatabase({ path: path.join(dir, 'db') })
    // the node's blockstore: the manifest in the database, the 1 MiB chunks as files
    const blockstore = createSmallBlockTier(new SmallBlockRepository(db), createDurableBlockstore({ path: path.join(dir, 'blocks') }))
    await blockstore.open()
    // a fresh store each time (its blocks, database and spool), on crypto threads as warm as a running node's
    const store = createSampleStore({ blockstore, samples: createRepositories(db).samples, pending: new PendingIngestRepository(db), spoolDir: path.join(dir, 'spool'), logger: pino({ level: 'warn' }), maxSampleBytes: bytes.byteLength, crypto: pool })
    try {
      await store.start()
      const before = await threadCpu()
      const all = process.cpuUsage()
      const loop = process.threadCpuUsage()
      const ms = await time(async () => { await store.ingest(pieces()) })
      const threads = new Map([...await threadCpu()].map(([k, v]) => [k, v - (before.get(k) ?? 0)]))
      ingestCpu.push({ all: cpuMs(process.cpuUsage(all)), loop: cpuMs(process.threadCpuUsage(loop)), threads })
      return ms
    } finally {
      await store.stop()
      await db.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

try {
  console.log(`ingest bench: ${sizeMiB} MiB random sample, ${reps} repetitions, median (node ${process.version}, ${availableParallelism()} cores, tmpdir ${tmpdir()})`)
  const samples = new Map<string, number[]>([...Object.keys(spawning), ...Object.keys(cases)].map(name => [name, []]))
  for (const [name, run] of Object.entries(spawning)) {
    for (let i = 0; i <= reps; i++) {
      const ms = await run()
      if (i > 0) samples.get(name)?.push(ms) // the first is a warm-up
    }
  }
  // the other cases take turns within each repetition, so background load skews them alike
  for (const run of Object.values(cases)) await run() // warm-up
  for (let i = 0; i < reps; i++) {
    for (const [name, run] of Object.entries(cases)) samples.get(name)?.push(await run())
  }
  for (const [name, ms] of samples) {
    const m = median(ms)
    console.log(`${name.padEnd(56)} ${(sizeMiB / (m / 1000)).toFixed(0).padStart(6)} MiB/s  ${m.toFixed(1).padStart(8)} ms`)
  }
  const measured = ingestCpu.slice(1)
  console.log(`${'  CPU per full ingest: all threads, event loop'.padEnd(56)} ${median(measured.map(c => c.all)).toFixed(0).padStart(6)} ms  ${median(measured.map(c => c.loop)).toFixed(0).padStart(8)} ms`)
  const names = [...new Set(measured.flatMap(c => [...c.threads.keys()]))].toSorted()
  const byThread = names.map(n => `${n} ${median(measured.map(c => c.threads.get(n) ?? 0)).toFixed(0)}`).join(', ')
  if (byThread !== '') console.log(`  CPU per full ingest by thread (ms): ${byThread}`)
} finally {
  await pool.stop()
  await rm(scratch, { recursive: true, force: true })
}
