/**
 * Holds an upload between the pass that hashes it (the convergent key is a hash of all of it) and
 * the pass that encrypts it, in constant memory: the first chunks stay in memory, the rest go to a
 * temp file. Each spooled chunk is sealed (ChaCha20-Poly1305) under a random key that never leaves
 * this process, so the disk never sees the plaintext and a spool a crash leaves behind is noise,
 * deleted by clearSpools() at the next start. Nothing is fsynced: a spool never outlives its ingest.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { open, readdir, unlink } from 'node:fs/promises'
import path from 'node:path'
import { CHUNK_SIZE } from '../crypto/manifest.ts'
import { SampleTooLargeError, SpoolCorruptError } from './errors.ts'
import type { FileHandle } from 'node:fs/promises'

const CIPHER = 'chacha20-poly1305'
const TAG_BYTES = 16
const SPOOLED_CHUNK = CHUNK_SIZE + TAG_BYTES
const EXTENSION = '.spool'
type Signal = { signal?: AbortSignal }

export interface UploadSpoolOptions {
  /** where the temp file goes (only created once the upload outgrows memory) */
  dir: string
  /** larger uploads fail with SampleTooLargeError while they are written */
  maxBytes: number
  /** chunks kept in memory before spilling to the file; at least 1 (the first holds the file-type bytes) */
  memoryChunks: number
}

export interface UploadSpool {
  readonly size: number
  /** the upload's leading bytes (up to CHUNK_SIZE), for file-type detection */
  head(): Uint8Array
  write(bytes: Uint8Array, options?: Signal): Promise<void>
  /** the upload in CHUNK_SIZE chunks, the last one short; one empty chunk for an empty upload */
  chunks(options?: Signal): AsyncGenerator<Uint8Array, void, undefined>
  /** removes the temp file; safe to call more than once */
  discard(): Promise<void>
}

function nonce (index: number): Buffer {
  const n = Buffer.alloc(12)
  n.writeUInt32BE(index, 8)
  return n
}

export function createUploadSpool (options: UploadSpoolOptions): UploadSpool {
  const memoryChunks = Math.max(1, options.memoryChunks)
  const key = randomBytes(32)
  const memory: Buffer[] = []
  const file = path.join(options.dir, randomBytes(12).toString('hex') + EXTENSION)
  let handle: FileHandle | undefined
  let spooled = 0
  let current: Buffer | undefined
  let offset = 0
  let size = 0

  const spill = async (chunk: Buffer, opts: Signal): Promise<void> => {
    opts.signal?.throwIfAborted()
    handle ??= await open(file, 'wx+', 0o600)
    const cipher = createCipheriv(CIPHER, key, nonce(spooled), { authTagLength: TAG_BYTES })
    const sealed = Buffer.concat([cipher.update(chunk), cipher.final(), cipher.getAuthTag()])
    await handle.write(sealed, 0, sealed.byteLength, spooled * SPOOLED_CHUNK)
    spooled++
  }

  const unseal = (sealed: Buffer, index: number): Buffer => {
    const decipher = createDecipheriv(CIPHER, key, nonce(index), { authTagLength: TAG_BYTES })
    decipher.setAuthTag(sealed.subarray(CHUNK_SIZE))
    const plain = decipher.update(sealed.subarray(0, CHUNK_SIZE))
    try {
      decipher.final()
    } catch {
      throw new SpoolCorruptError(`spooled chunk ${index} failed authentication`)
    }
    return plain
  }

  return {
    get size () { return size },
    head: () => memory[0] ?? (current ?? Buffer.alloc(0)).subarray(0, offset),

    async write (bytes, opts = {}) {
      if (size + bytes.byteLength > options.maxBytes) throw new SampleTooLargeError(options.maxBytes)
      size += bytes.byteLength
      let read = 0
      while (read < bytes.byteLength) {
        current ??= Buffer.allocUnsafe(CHUNK_SIZE)
        const n = Math.min(CHUNK_SIZE - offset, bytes.byteLength - read)
        current.set(bytes.subarray(read, read + n), offset)
        offset += n
        read += n
        if (offset < CHUNK_SIZE) continue
        const full = current
        current = undefined
        offset = 0
        if (memory.length < memoryChunks) memory.push(full)
        else await spill(full, opts)
      }
    },

    async * chunks (opts = {}) {
      yield * memory
      const buffer = Buffer.allocUnsafe(SPOOLED_CHUNK)
      for (let i = 0; i < spooled; i++) {
        opts.signal?.throwIfAborted()
        const { bytesRead } = await (handle as FileHandle).read(buffer, 0, SPOOLED_CHUNK, i * SPOOLED_CHUNK)
        if (bytesRead !== SPOOLED_CHUNK) throw new SpoolCorruptError(`spooled chunk ${i} is short`)
        yield unseal(buffer, i)
      }
      if (current !== undefined) yield current.subarray(0, offset)
      else if (size === 0) yield Buffer.alloc(0)
    },

    async discard () {
      const h = handle
      handle = undefined
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
