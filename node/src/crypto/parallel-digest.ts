import { CHUNK_SIZE } from './manifest.ts'
import { CONVERGENT_KEY_DOMAIN } from './sample-digest.ts'
import type { CryptoPool } from './crypto-pool.ts'
import type { HashSpec } from './crypto-protocol.ts'
import type { SampleDigests } from './sample-digest.ts'
import type { Hex } from '../../../protocol/src/messages.ts'

type Signal = { signal?: AbortSignal }

/**
 * The hashes split over two threads, about evenly: md5 alone costs as much as sha256, sha1 and the
 * content key together (OpenSSL with SHA extensions), and all four in one pass on one core take
 * twice as long as the slower thread here.
 */
const STREAMS: HashSpec[][] = [
  [{ algorithm: 'sha256' }, { algorithm: 'sha256', hmacKey: CONVERGENT_KEY_DOMAIN }, { algorithm: 'sha1' }],
  [{ algorithm: 'md5' }]
]

/** Chunks in the threads' hands at once: bounds what an ingest holds there and how far it runs ahead. */
const CHUNKS_IN_FLIGHT = 4

export interface ParallelSampleDigester {
  /** resolves once `bytes` may be reused (they are copied); waits while the threads are behind */
  update(bytes: Uint8Array, options?: Signal): Promise<void>
  digest(options?: Signal): Promise<SampleDigests>
  /** frees the threads' state and the shared buffers; call it when done, whether digest() was taken or not */
  discard(): void
}

const hex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString('hex')}`

/**
 * What createSampleDigester computes, on the crypto pool's threads. Pieces (an upload arrives in
 * tens of KiB) are gathered into CHUNK_SIZE updates in shared buffers, so a message costs little
 * beside the hashing it carries.
 */
export function createParallelSampleDigester (pool: CryptoPool): ParallelSampleDigester {
  const streams = STREAMS.map(hashes => pool.openDigest(hashes))
  const ring = pool.slots(CHUNKS_IN_FLIGHT)
  let chunk: Buffer | undefined
  let filled = 0
  let size = 0

  const flush = (opts: Signal): void => {
    const bytes = (chunk as Buffer).subarray(0, filled)
    ring.lend(chunk as Buffer, Promise.all(streams.map(async stream => { await stream.update(bytes, opts) })))
    chunk = undefined
    filled = 0
  }

  return {
    async update (bytes, opts = {}) {
      size += bytes.byteLength
      let read = 0
      while (read < bytes.byteLength) {
        chunk ??= await ring.take(opts)
        const n = Math.min(CHUNK_SIZE - filled, bytes.byteLength - read)
        chunk.set(bytes.subarray(read, read + n), filled)
        filled += n
        read += n
        if (filled === CHUNK_SIZE) flush(opts)
      }
    },

    async digest (opts = {}) {
      if (filled > 0) flush(opts)
      await ring.drain(opts)
      const [first, second] = await Promise.all(streams.map(async s => await s.digest(opts)))
      const [sha256, contentKey, sha1] = first as [Uint8Array, Uint8Array, Uint8Array]
      const [md5] = second as [Uint8Array]
      return { sha256: hex(sha256), sha1: hex(sha1), md5: hex(md5), contentKey, size }
    },

    discard () {
      for (const stream of streams) stream.drop()
      void ring.release()
    }
  }
}
