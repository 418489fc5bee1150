/**
 * Worker threads for the ingest's CPU work, so it uses every core instead of one: digest streams
 * (an upload's hashes, split over threads), sealing sample chunks in place, and the spool's
 * AES-GCM with its file I/O. Bytes go to a thread in shared memory (shared-buffers.ts), read where
 * they are: a structured-clone copy of a 1 MiB chunk costs more than hashing it. A caller leaves
 * such a buffer alone until its request settles, and bounds how many it has in flight.
 *
 * Threads start with the first request after start() (a node that never ingests never pays for
 * them: an idle Node worker holds some 20-30 MiB) and end after `idleMs` without requests or
 * open streams. A thread keeps the process alive only while it has requests. A thread that dies
 * fails its requests (CryptoWorkerFailedError) and is replaced at the next request; its digest
 * streams are lost with it.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { TAG_BYTES } from './convergent.ts'
import { CryptoPoolNotRunningError, CryptoWorkerFailedError } from './errors.ts'
import { CHUNK_SIZE } from './manifest.ts'
import { createSharedBufferRing, createSharedBufferStock } from './shared-buffers.ts'
import type { SharedBufferRing } from './shared-buffers.ts'
import type { CryptoOp, CryptoReply, CryptoResult, FileAt, GcmParams, HashSpec } from './crypto-protocol.ts'
import type { AbortOptions } from '@libp2p/interface'


export interface CryptoPoolOptions {
  /** worker threads (default: the cores available, at most 4) */
  threads?: number
  /** threads end after this long without work (default 30 s) */
  idleMs?: number
}

export interface DigestStream {
  /** hashes `bytes` after every earlier update; resolves once its thread has */
  update(bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /** one digest per hash, in the order they were given; closes the stream */
  digest(options?: AbortOptions): Promise<Uint8Array[]>
  /** closes the stream without a digest (after a failure); harmless once closed */
  drop(): void
}

export interface CryptoPool {
  readonly threads: number
  /** takes requests from now on; the threads start with the first */
  start(options?: AbortOptions): Promise<void>
  /** ends the threads; requests in flight fail */
  stop(): Promise<void>
  /** a digest stream, pinned to the thread with the fewest open streams */
  openDigest(hashes: HashSpec[]): DigestStream
  /**
   * Seals chunk `index` of a sample in place (convergent.ts sealChunkInto) on the least busy
   * thread: `block`, in shared memory, holds the plaintext and 16 bytes for the tag. Resolves to the
   * block's sha256, for its CID.
   */
  sealChunk(contentKey: Uint8Array, size: number, index: number, block: Uint8Array, options?: AbortOptions): Promise<Uint8Array>
  /**
   * AES-256-GCM: seals `plaintext`, in shared memory (shared-buffers.ts), and writes ciphertext ||
   * tag at `file`, leaving `plaintext` as it is (others may read it meanwhile). The file must stay
   * open until this settles.
   */
  gcmSeal(gcm: GcmParams, plaintext: Uint8Array, file: FileAt, options?: AbortOptions): Promise<void>
  /**
   * AES-256-GCM: reads `sealed` from `file` when given, then opens it into `plaintext` (may be the
   * same memory); false, and `plaintext` zeroed, when the file ends short or it does not authenticate.
   */
  gcmOpen(gcm: GcmParams, sealed: Uint8Array, plaintext: Uint8Array, file?: FileAt, options?: AbortOptions): Promise<boolean>
  /**
   * `count` shared buffers of SLOT_BYTES (a sealed chunk) for requests, lent in turn; release()
   * keeps them for the next ring until the threads end idle.
   */
  slots(count: number): SharedBufferRing
}

/** Bytes of a shared slot: a chunk and its tag, so one slot serves plaintext and sealed block alike. */
export const SLOT_BYTES = CHUNK_SIZE + TAG_BYTES
/** Free slots kept for reuse: what one ingest holds at its peak (spool 8, digests 4 + 4, blocks 32). */
const KEPT_SLOTS = 48

interface Thread {
  worker: Worker
  pending: Map<number, { resolve: (result: CryptoResult) => void, reject: (err: Error) => void }>
  streams: number
  dead: boolean
}

const WORKER = new URL('./crypto-worker.ts', import.meta.url)

const notRunning = (): Error => new CryptoPoolNotRunningError('the crypto pool is not running')

export function createCryptoPool (options: CryptoPoolOptions = {}): CryptoPool {
  const threadCount = Math.max(1, options.threads ?? Math.min(4, availableParallelism()))
  const idleMs = options.idleMs ?? 30_000
  const threads: Thread[] = []
  const stock = createSharedBufferStock(SLOT_BYTES, KEPT_SLOTS)
  let spawning: Promise<void> | undefined
  let idleTimer: NodeJS.Timeout | undefined
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

  /** Ends every thread once none has had work for idleMs; called whenever work ends. */
  const idleCheck = (): void => {
    if (threads.some(t => t.pending.size > 0 || t.streams > 0)) return
    clearTimeout(idleTimer)
    idleTimer = setTimeout(() => {
      if (threads.some(t => t.pending.size > 0 || t.streams > 0)) return
      for (const thread of threads.splice(0)) {
        fail(thread, new CryptoWorkerFailedError('crypto thread ended idle'))
        void thread.worker.terminate()
      }
      stock.clear()
    }, idleMs).unref()
  }

  async function spawn (): Promise<Thread> {
    const worker = new Worker(WORKER)
    const thread: Thread = { worker, pending: new Map(), streams: 0, dead: false }
    await new Promise<void>((resolve, reject) => {
      const die = (why: string): void => {
        const err = new CryptoWorkerFailedError(`crypto thread ${why}`)
        reject(err)
        fail(thread, err)
      }
      worker.on('message', (reply: CryptoReply) => {
        if (reply.type === 'ready') {
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

  /** Starts the threads missing (all of them after an idle end); waits only when there is none at all. */
  const ready = async (): Promise<void> => {
    if (!running) throw notRunning()
    if (threads.length < threadCount) {
      spawning ??= (async () => {
        try {
          const started = await Promise.allSettled(Array.from({ length: threadCount - threads.length }, spawn))
          for (const result of started) {
            if (result.status === 'rejected') continue
            if (running) threads.push(result.value)
            else void result.value.worker.terminate()
          }
          const failed = started.find(r => r.status === 'rejected')
          if (threads.length === 0) throw running ? failed?.reason : notRunning()
        } finally {
          spawning = undefined
        }
      })()
      // awaited below when there is no thread yet; otherwise the threads there serve meanwhile
      spawning.catch(() => {})
    }
    if (threads.length === 0) await spawning
    clearTimeout(idleTimer)
  }

  async function call (thread: Thread, op: CryptoOp, opts: AbortOptions = {}): Promise<CryptoResult> {
    opts.signal?.throwIfAborted()
    if (!running) throw notRunning()
    if (thread.dead) throw new CryptoWorkerFailedError('crypto thread died')
    const id = nextId++
    return await new Promise<CryptoResult>((resolve, reject) => {
      const settle = (): void => {
        thread.pending.delete(id)
        if (thread.pending.size > 0) return
        thread.worker.unref()
        idleCheck()
      }
      thread.pending.set(id, { resolve: (r) => { settle(); resolve(r) }, reject: (e) => { settle(); reject(e) } })
      if (thread.pending.size === 1) thread.worker.ref()
      // a worker_threads port, not a window: there is no target origin
      // oxlint-disable-next-line unicorn/require-post-message-target-origin
      thread.worker.postMessage({ ...op, id })
    })
  }

  const best = (rank: (t: Thread) => number): Thread => {
    const thread = threads.toSorted((a, b) => rank(a) - rank(b))[0]
    if (thread === undefined) throw new CryptoWorkerFailedError('no crypto thread is left')
    return thread
  }

  const leastBusy = async (): Promise<Thread> => {
    await ready()
    return best(t => t.pending.size)
  }

  return {
    threads: threadCount,

    async start (opts = {}) {
      opts.signal?.throwIfAborted()
      running = true
    },

    async stop () {
      running = false
      clearTimeout(idleTimer)
      stock.clear()
      await spawning?.catch(() => {})
      const stopping = threads.splice(0)
      for (const thread of stopping) fail(thread, notRunning())
      await Promise.all(stopping.map(async t => await t.worker.terminate()))
    },

    openDigest (hashes) {
      const stream = nextStream++
      let open = true
      const pinned = ready().then(async () => {
        // fewest open streams first, then least busy; counted at once, so the next stream opened goes elsewhere
        const thread = best(t => t.streams * 1_000_000 + t.pending.size)
        thread.streams++
        await call(thread, { op: 'digest-open', stream, hashes })
        return thread
      })
      pinned.catch(() => {})
      const close = async (): Promise<Thread | undefined> => {
        if (!open) return undefined
        open = false
        const thread = await pinned.catch(() => undefined)
        if (thread === undefined) return undefined
        thread.streams--
        idleCheck()
        return thread
      }
      return {
        update: async (bytes, opts) => { await call(await pinned, { op: 'digest-update', stream, bytes }, opts) },
        async digest (opts) {
          const thread = await pinned
          try {
            return await call(thread, { op: 'digest-final', stream }, opts) as Uint8Array[]
          } finally {
            await close()
          }
        },
        drop () {
          close().then(thread => { if (thread !== undefined) return call(thread, { op: 'digest-drop', stream }) }).catch(() => {})
        }
      }
    },

    async sealChunk (contentKey, size, index, block, opts) {
      return await call(await leastBusy(), { op: 'seal-chunk', contentKey, size, index, block }, opts) as Uint8Array
    },

    async gcmSeal (gcm, plaintext, file, opts) {
      await call(await leastBusy(), { op: 'gcm-seal', gcm, plaintext, file }, opts)
    },

    async gcmOpen (gcm, sealed, plaintext, file, opts) {
      return await call(await leastBusy(), { op: 'gcm-open', gcm, sealed, plaintext, file }, opts) as boolean
    },

    slots: (count) => createSharedBufferRing(count, stock)
  }
}
