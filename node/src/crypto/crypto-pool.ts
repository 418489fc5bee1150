/**
 * Worker threads for the ingest's CPU work, so it uses every core instead of one: digest streams
 * (an upload's hashes, split over threads), sealing sample chunks, and the spool's AES-GCM. Bytes
 * go to a thread in shared memory (shared-buffers.ts), read where they are: a structured-clone
 * copy of a 1 MiB chunk costs more than hashing it. A caller leaves such a buffer alone until its
 * request settles, and bounds how many it has in flight. Sealed blocks come back transferred.
 *
 * A thread keeps the process alive only while it has requests. A thread that dies fails its
 * requests (CryptoWorkerFailedError) and is replaced; its digest streams are lost with it.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { CryptoPoolNotRunningError, CryptoWorkerFailedError } from './errors.ts'
import type { CryptoOp, CryptoReply, CryptoResult, GcmParams, HashSpec, SealedChunk } from './crypto-protocol.ts'

type Signal = { signal?: AbortSignal }

export interface CryptoPoolOptions {
  /** worker threads (default: the cores available, at most 4) */
  threads?: number
}

export interface DigestStream {
  /** hashes `bytes` after every earlier update; resolves once its thread has */
  update(bytes: Uint8Array, options?: Signal): Promise<void>
  /** one digest per hash, in the order they were given; closes the stream */
  digest(options?: Signal): Promise<Uint8Array[]>
  /** closes the stream without a digest (after a failure); harmless once closed */
  drop(): void
}

export interface CryptoPool {
  readonly threads: number
  start(options?: Signal): Promise<void>
  stop(): Promise<void>
  /** a digest stream, pinned to the thread with the fewest open streams */
  openDigest(hashes: HashSpec[]): DigestStream
  /** seals chunk `index` of a sample (convergent.ts sealChunk) on the least busy thread */
  sealChunk(contentKey: Uint8Array, size: number, index: number, chunk: Uint8Array, options?: Signal): Promise<SealedChunk>
  /** AES-256-GCM: seals `plaintext` into `sealed` (ciphertext || tag), both in shared memory (shared-buffers.ts) */
  gcmSeal(gcm: GcmParams, plaintext: Uint8Array, sealed: Uint8Array, options?: Signal): Promise<void>
  /** AES-256-GCM: opens `sealed` into `plaintext`, both in shared memory; false (and `plaintext` untouched) when it does not authenticate */
  gcmOpen(gcm: GcmParams, sealed: Uint8Array, plaintext: Uint8Array, options?: Signal): Promise<boolean>
}

interface Thread {
  worker: Worker
  pending: Map<number, { resolve: (result: CryptoResult) => void, reject: (err: Error) => void }>
  streams: number
  dead: boolean
}

const WORKER = new URL('./crypto-worker.ts', import.meta.url)

export function createCryptoPool (options: CryptoPoolOptions = {}): CryptoPool {
  const threadCount = Math.max(1, options.threads ?? Math.min(4, availableParallelism()))
  const threads: Thread[] = []
  let running = false
  let nextId = 1
  let nextStream = 1

  const fail = (thread: Thread, err: Error): void => {
    thread.dead = true
    const i = threads.indexOf(thread)
    if (i !== -1) threads.splice(i, 1)
    for (const { reject } of thread.pending.values()) reject(err)
    thread.pending.clear()
  }

  async function spawn (): Promise<Thread> {
    const worker = new Worker(WORKER)
    const thread: Thread = { worker, pending: new Map(), streams: 0, dead: false }
    await new Promise<void>((resolve, reject) => {
      const die = (why: string): void => {
        const err = new CryptoWorkerFailedError(`crypto thread ${why}`)
        reject(err)
        fail(thread, err)
        // replaced only once it had started: a thread that cannot start would fail again
        if (running && ready) {
          spawn().then(t => { if (running) threads.push(t); else void t.worker.terminate() }, () => {})
        }
      }
      let ready = false
      worker.on('message', (reply: CryptoReply) => {
        if (reply.type === 'ready') {
          ready = true
          resolve()
          return
        }
        const request = thread.pending.get(reply.id)
        if (request === undefined) return
        if (reply.type === 'result') request.resolve(reply.result)
        else request.reject(reply.error)
      })
      worker.on('error', (err) => { die(`failed: ${err.message}`) })
      worker.on('exit', (code) => { die(`exited with code ${code}`) })
    })
    worker.unref()
    return thread
  }

  async function call (thread: Thread, op: CryptoOp, opts: Signal = {}): Promise<CryptoResult> {
    opts.signal?.throwIfAborted()
    if (!running) throw new CryptoPoolNotRunningError('the crypto pool is not running')
    if (thread.dead) throw new CryptoWorkerFailedError('crypto thread died')
    const id = nextId++
    return await new Promise<CryptoResult>((resolve, reject) => {
      const settle = (): void => {
        thread.pending.delete(id)
        if (thread.pending.size === 0) thread.worker.unref()
      }
      thread.pending.set(id, { resolve: (r) => { settle(); resolve(r) }, reject: (e) => { settle(); reject(e) } })
      if (thread.pending.size === 1) thread.worker.ref()
      // a worker_threads port, not a window: there is no target origin
      // oxlint-disable-next-line unicorn/require-post-message-target-origin
      thread.worker.postMessage({ ...op, id })
    })
  }

  const pick = (rank: (t: Thread) => number): Thread => {
    const best = threads.toSorted((a, b) => rank(a) - rank(b))[0]
    if (best === undefined) throw running ? new CryptoWorkerFailedError('no crypto thread is left') : new CryptoPoolNotRunningError('the crypto pool is not running')
    return best
  }

  const leastBusy = (): Thread => pick(t => t.pending.size)

  return {
    threads: threadCount,

    async start (opts = {}) {
      if (running) return
      opts.signal?.throwIfAborted()
      running = true
      try {
        threads.push(...await Promise.all(Array.from({ length: threadCount }, spawn)))
      } catch (err) {
        await this.stop()
        throw err
      }
    },

    async stop () {
      running = false
      const stopping = threads.splice(0)
      for (const thread of stopping) fail(thread, new CryptoPoolNotRunningError('the crypto pool stopped'))
      await Promise.all(stopping.map(async t => await t.worker.terminate()))
    },

    openDigest (hashes) {
      // fewest open streams first, then least busy
      const thread = pick(t => t.streams * 1_000_000 + t.pending.size)
      const stream = nextStream++
      thread.streams++
      let open = true
      const close = (): void => {
        if (!open) return
        open = false
        thread.streams--
      }
      call(thread, { op: 'digest-open', stream, hashes }).catch(() => {})
      return {
        update: async (bytes, opts) => { await call(thread, { op: 'digest-update', stream, bytes }, opts) },
        async digest (opts) {
          try {
            return await call(thread, { op: 'digest-final', stream }, opts) as Uint8Array[]
          } finally {
            close()
          }
        },
        drop () {
          if (!open) return
          close()
          call(thread, { op: 'digest-drop', stream }).catch(() => {})
        }
      }
    },

    async sealChunk (contentKey, size, index, chunk, opts) {
      return await call(leastBusy(), { op: 'seal-chunk', contentKey, size, index, chunk }, opts) as SealedChunk
    },

    async gcmSeal (gcm, plaintext, sealed, opts) {
      await call(leastBusy(), { op: 'gcm-seal', gcm, plaintext, sealed }, opts)
    },

    async gcmOpen (gcm, sealed, plaintext, opts) {
      return await call(leastBusy(), { op: 'gcm-open', gcm, sealed, plaintext }, opts) as boolean
    }
  }
}
