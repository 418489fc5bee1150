/**
 * Holds an upload between the pass that hashes it (the convergent key is a hash of all of it) and
 * the pass that encrypts it, in constant memory: the first chunks stay in memory, the rest go to a
 * temp file. Each spooled chunk is sealed under a random key that never leaves this process, so the
 * disk never sees the plaintext and a spool a crash leaves behind is noise, deleted by clearSpools()
 * at the next start. Nothing is fsynced: a spool never outlives its ingest.
 *
 * The cipher is AES-256-GCM, not the samples' ChaCha20-Poly1305: nothing but this process ever
 * reads a spool, so it may use the AEAD that hardware runs fastest (AES-NI: twice ChaCha's speed).
 * Spilled chunks are sealed and written, read and opened, on the crypto pool's threads, from and
 * into shared buffers, a few at once: spooling costs the event loop little more than the copy, and
 * its file I/O never queues in libuv's threadpool behind the fsyncs of block writes. A chunk is
 * sealed into the thread's own memory, not over its plaintext, so the hashes and the seal read it
 * at once; it is read back straight into the caller's buffer (the block it will be sealed in), so
 * no chunk is copied on the way out.
 */
import { randomBytes } from 'node:crypto'
import { open, readdir, unlink } from 'node:fs/promises'
import path from 'node:path'
import { CHUNK_SIZE } from '../crypto/manifest.ts'
import { SampleTooLargeError, SpoolCorruptError } from './errors.ts'
import type { CryptoPool } from '../crypto/crypto-pool.ts'
import type { GcmParams } from '../crypto/crypto-protocol.ts'
import type { SharedBufferRing } from '../crypto/shared-buffers.ts'
import type { FileHandle } from 'node:fs/promises'
import type { AbortOptions } from '@libp2p/interface'

const TAG_BYTES = 16
const SPOOLED_CHUNK = CHUNK_SIZE + TAG_BYTES
const EXTENSION = '.spool'
/** spilled chunks being sealed and written at once, and the most chunks read ahead */
const IN_FLIGHT = 8

export interface UploadSpoolOptions {
  /** where the temp file goes (only created once the upload outgrows memory) */
  dir: string
  /** larger uploads fail with SampleTooLargeError while they are written */
  maxBytes: number
  /** chunks kept in memory before spilling to the file; at least 1 (the first holds the file-type bytes) */
  memoryChunks: number
  /** seals and opens the spilled chunks */
  crypto: CryptoPool
  /**
   * Fed each chunk in order, in the shared memory it was gathered in (the last, short one by end()):
   * the upload's hashes read it there rather than from a copy of their own.
   */
  hash?: (chunk: Uint8Array, options?: AbortOptions) => Promise<void>
}

export interface UploadSpool {
  readonly size: number
  /** the upload's leading bytes (up to CHUNK_SIZE), for file-type detection */
  head(): Uint8Array
  /** copies `bytes` in; a chunk that spills is sealed and written in the background (its failure surfaces later) */
  write(bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /** the upload is whole: hands the last, short chunk to `hash` and waits until every chunk is hashed and spilled */
  end(options?: AbortOptions): Promise<void>
  /**
   * The upload in CHUNK_SIZE chunks, the last one short; one empty chunk for an empty upload. Each
   * is read (a few ahead) into the next buffer of `into` (two or more) and yielded as a view of it
   * from its start; the caller lends that buffer for whatever it does with the chunk (a chunk not
   * lent is only valid until the next one is asked for: its buffer is free to be read into).
   */
  chunks(into: SharedBufferRing, options?: AbortOptions): AsyncGenerator<Uint8Array, void, undefined>
  /** removes the temp file; safe to call more than once */
  discard(): Promise<void>
}

export function createUploadSpool (options: UploadSpoolOptions): UploadSpool {
  const memoryChunks = Math.max(1, options.memoryChunks)
  const key = randomBytes(32)
  const gcm = (index: number): GcmParams => {
    const nonce = Buffer.alloc(12)
    nonce.writeUInt32BE(index, 8)
    return { key, nonce }
  }
  // a spilled chunk is gathered in one of these, and hashed and sealed from there
  const ring = options.crypto.slots(IN_FLIGHT)
  // the chunks kept in memory: shared too, so the hashes read them where they are
  const held = options.crypto.slots(memoryChunks)
  const memory: Buffer[] = []
  const hash = options.hash ?? (async () => {})
  let ended = false
  const file = path.join(options.dir, randomBytes(12).toString('hex') + EXTENSION)
  let handle: FileHandle | undefined
  let spooled = 0
  /** reads back into callers' buffers still running: discard() waits for them before it closes the file */
  const reading = new Set<Promise<unknown>>()
  /** the chunk being gathered: its own buffer while memory has room, else one of the ring's */
  let current: Buffer | undefined
  let offset = 0
  let size = 0

  const spill = async (slot: Buffer, opts: AbortOptions): Promise<void> => {
    opts.signal?.throwIfAborted()
    handle ??= await open(file, 'wx+', 0o600)
    const index = spooled++
    const at = { fd: handle.fd, position: index * SPOOLED_CHUNK }
    const plaintext = slot.subarray(0, CHUNK_SIZE)
    // the seal leaves the plaintext as it is, so it need not wait for the hashes
    ring.lend(slot, Promise.all([hash(plaintext, opts), options.crypto.gcmSeal(gcm(index), plaintext, at, opts)]))
  }

  /** reads and opens spilled chunk `index` into `slot`, in place */
  const readBack = async (index: number, slot: Buffer, opts: AbortOptions): Promise<Uint8Array> => {
    // discarded meanwhile: its descriptor may already name another file
    if (handle === undefined) throw new SpoolCorruptError('the spool was discarded')
    const at = { fd: handle.fd, position: index * SPOOLED_CHUNK }
    const plaintext = slot.subarray(0, CHUNK_SIZE)
    if (!await options.crypto.gcmOpen(gcm(index), slot.subarray(0, SPOOLED_CHUNK), plaintext, at, opts)) throw new SpoolCorruptError(`spooled chunk ${index} is short or altered`)
    return plaintext
  }

  /** chunk `n` of the upload (the kept chunks, the spilled ones, the short last) into `slot` */
  const fill = async (n: number, slot: Buffer, opts: AbortOptions): Promise<Uint8Array> => {
    const kept = memory[n]
    if (kept !== undefined) {
      kept.copy(slot, 0, 0, CHUNK_SIZE)
      return slot.subarray(0, CHUNK_SIZE)
    }
    if (n - memory.length < spooled) return await readBack(n - memory.length, slot, opts)
    current?.copy(slot, 0, 0, offset)
    return slot.subarray(0, offset)
  }

  return {
    get size () { return size },
    head: () => (memory[0] ?? (current ?? Buffer.alloc(0)).subarray(0, offset)).subarray(0, CHUNK_SIZE),

    async write (bytes, opts = {}) {
      if (size + bytes.byteLength > options.maxBytes) throw new SampleTooLargeError(options.maxBytes)
      size += bytes.byteLength
      let read = 0
      while (read < bytes.byteLength) {
        current ??= memory.length < memoryChunks ? await held.take(opts) : await ring.take(opts)
        const n = Math.min(CHUNK_SIZE - offset, bytes.byteLength - read)
        current.set(bytes.subarray(read, read + n), offset)
        offset += n
        read += n
        if (offset < CHUNK_SIZE) continue
        const full = current
        current = undefined
        offset = 0
        if (memory.length < memoryChunks) {
          memory.push(full)
          held.lend(full, hash(full.subarray(0, CHUNK_SIZE), opts))
        } else {
          await spill(full, opts)
        }
      }
    },

    async end (opts = {}) {
      if (!ended && offset > 0) await hash((current as Buffer).subarray(0, offset), opts)
      ended = true
      await Promise.all([held.drain(opts), ring.drain(opts)])
    },

    async * chunks (into, opts = {}) {
      await ring.drain(opts)
      // the short last chunk (or an empty upload's one empty chunk) after the full ones
      const count = memory.length + spooled + (offset > 0 || size === 0 ? 1 : 0)
      // one fewer ahead than `into` holds, so the buffer of the chunk last yielded is left alone
      const depth = Math.min(IN_FLIGHT, into.count) - 1
      if (depth < 1) throw new RangeError('reading a spool back takes a ring of two buffers or more')
      const ahead: Array<Promise<Uint8Array>> = []
      const start = (n: number): void => {
        if (n >= count) return
        // the buffer's turn is taken now, so chunks fill `into` in order
        const chunk = into.take(opts).then(async (slot) => {
          const filled = fill(n, slot, opts)
          // lent, so `into` is not released (nor the file closed) under the read
          into.lend(slot, filled)
          reading.add(filled)
          filled.then(() => reading.delete(filled), () => reading.delete(filled))
          return await filled
        })
        // observed in order below; this keeps a failure from being unhandled meanwhile
        chunk.catch(() => {})
        ahead.push(chunk)
      }
      for (let n = 0; n < depth; n++) start(n)
      for (let n = 0; n < count; n++) {
        const chunk = await (ahead.shift() as Promise<Uint8Array>)
        start(n + depth)
        yield chunk
      }
    },

    async discard () {
      const h = handle
      handle = undefined
      // spills and reads still running use the file: let them end first
      await Promise.all([ring.release(), held.release(), Promise.allSettled(reading)])
      await h?.close()
      if (h !== undefined) await unlink(file).catch(() => {})
    }
  }
}

/** Deletes the spools a crash left in `dir`; run before any ingest starts. */
export async function clearSpools (dir: string): Promise<number> {
  const names = (await readdir(dir)).filter(n => n.endsWith(EXTENSION))
  await Promise.all(names.map(async n => unlink(path.join(dir, n))))
  return names.length
}
