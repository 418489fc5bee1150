/**
 * Holds an upload between the pass that hashes it (the convergent key is a hash of all of it) and
 * the pass that encrypts it, in constant memory: the first chunks stay in memory, the rest go to a
 * temp file. Each spooled chunk is sealed under a random key that never leaves this process, so the
 * disk never sees the plaintext and a spool a crash leaves behind is noise, deleted by clearSpools()
 * at the next start. Nothing is fsynced: a spool never outlives its ingest.
 *
 * The cipher is AES-256-GCM, not the samples' ChaCha20-Poly1305: nothing but this process ever
 * reads a spool, so it may use the AEAD that hardware runs fastest (AES-NI: twice ChaCha's speed).
 * Spilled chunks are sealed and written, read and opened, on the crypto pool's threads, in place
 * in shared buffers, a few at once: spooling costs the event loop little more than the copy, and
 * its file I/O never queues in libuv's threadpool behind the fsyncs of block writes.
 */
import { randomBytes } from 'node:crypto'
import { open, readdir, unlink } from 'node:fs/promises'
import path from 'node:path'
import { CHUNK_SIZE } from '../crypto/manifest.ts'
import { SampleTooLargeError, SpoolCorruptError } from './errors.ts'
import type { CryptoPool } from '../crypto/crypto-pool.ts'
import type { GcmParams } from '../crypto/crypto-protocol.ts'
import type { FileHandle } from 'node:fs/promises'

const TAG_BYTES = 16
const SPOOLED_CHUNK = CHUNK_SIZE + TAG_BYTES
const EXTENSION = '.spool'
/** spilled chunks being sealed and written, or read and opened, at once */
const IN_FLIGHT = 8
type Signal = { signal?: AbortSignal }

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
   * Fed each chunk in order, in the shared memory it was gathered in (the last, short one by end()),
   * before it is sealed over: the upload's hashes read it there rather than from a copy of their own.
   */
  hash?: (chunk: Uint8Array, options?: Signal) => Promise<void>
}

export interface UploadSpool {
  readonly size: number
  /** the upload's leading bytes (up to CHUNK_SIZE), for file-type detection */
  head(): Uint8Array
  /** copies `bytes` in; a chunk that spills is sealed and written in the background (its failure surfaces later) */
  write(bytes: Uint8Array, options?: Signal): Promise<void>
  /** the upload is whole: hands the last, short chunk to `hash` and waits until every chunk is hashed and spilled */
  end(options?: Signal): Promise<void>
  /**
   * The upload in CHUNK_SIZE chunks, the last one short; one empty chunk for an empty upload. A
   * chunk is only valid until the next one is asked for: its buffer is reused.
   */
  chunks(options?: Signal): AsyncGenerator<Uint8Array, void, undefined>
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
  // a spilled chunk is gathered, sealed and read back in one of these: plaintext first, the tag after it
  const ring = options.crypto.slots(IN_FLIGHT)
  // the chunks kept in memory: shared too, so the hashes read them where they are
  const held = options.crypto.slots(memoryChunks)
  const memory: Buffer[] = []
  const hash = options.hash ?? (async () => {})
  let ended = false
  const file = path.join(options.dir, randomBytes(12).toString('hex') + EXTENSION)
  let handle: FileHandle | undefined
  let spooled = 0
  /** the chunk being gathered: its own buffer while memory has room, else one of the ring's */
  let current: Buffer | undefined
  let offset = 0
  let size = 0

  const spill = async (slot: Buffer, opts: Signal): Promise<void> => {
    opts.signal?.throwIfAborted()
    handle ??= await open(file, 'wx+', 0o600)
    const index = spooled++
    const at = { fd: handle.fd, position: index * SPOOLED_CHUNK }
    // sealed in place, so only once the hashes have read the plaintext
    ring.lend(slot, hash(slot.subarray(0, CHUNK_SIZE), opts).then(async () => { await options.crypto.gcmSeal(gcm(index), slot.subarray(0, CHUNK_SIZE), slot, at, opts) }))
  }

  /** reads and opens spilled chunk `index` into a ring buffer */
  const readBack = async (index: number, opts: Signal): Promise<Buffer> => {
    const slot = await ring.take(opts)
    // discarded meanwhile: its descriptor may already name another file
    if (handle === undefined) throw new SpoolCorruptError('the spool was discarded')
    const at = { fd: handle.fd, position: index * SPOOLED_CHUNK }
    const opening = options.crypto.gcmOpen(gcm(index), slot, slot.subarray(0, CHUNK_SIZE), at, opts)
    // lent too, so discard() waits for the read before it closes the file
    ring.lend(slot, opening)
    if (!await opening) throw new SpoolCorruptError(`spooled chunk ${index} is short or altered`)
    return slot.subarray(0, CHUNK_SIZE)
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

    async * chunks (opts = {}) {
      await ring.drain(opts)
      // the short last chunk may sit in a ring buffer, which the reads below take over
      const last = current === undefined ? undefined : Buffer.from(current.subarray(0, offset))
      for (const chunk of memory) yield chunk.subarray(0, CHUNK_SIZE)
      // read back a few ahead; one fewer than the ring holds, so the chunk last yielded is left alone
      const ahead: Array<Promise<Buffer>> = []
      const start = (index: number): void => {
        if (index >= spooled) return
        const chunk = readBack(index, opts)
        // observed in order below; this keeps a failure from being unhandled meanwhile
        chunk.catch(() => {})
        ahead.push(chunk)
      }
      for (let i = 0; i < IN_FLIGHT - 1; i++) start(i)
      for (let i = 0; i < spooled; i++) {
        const chunk = await (ahead.shift() as Promise<Buffer>)
        start(i + IN_FLIGHT - 1)
        yield chunk
      }
      if (last !== undefined) yield last
      else if (size === 0) yield Buffer.alloc(0)
    },

    async discard () {
      const h = handle
      handle = undefined
      // spills (and reads) still running use the file: let them end first
      await Promise.all([ring.release(), held.release()])
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
