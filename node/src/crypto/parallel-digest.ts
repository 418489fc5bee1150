import { CHUNK_SIZE } from './manifest.ts'
import type { CryptoPool } from './crypto-pool.ts'
import type { HashSpec } from './crypto-protocol.ts'
import type { AbortOptions } from '@libp2p/interface'


/** Chunks gathered by update() in the threads' hands at once: bounds what it holds and how far it runs ahead. */
const CHUNKS_IN_FLIGHT = 4

export interface ParallelDigest {
  /**
   * Hashes `bytes` (pieces of any size, gathered into CHUNK_SIZE updates in shared buffers, so a
   * message costs little beside the hashing it carries); resolves once they may be reused, and
   * waits while the threads are behind.
   */
  update(bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /** Hashes bytes already in shared memory, after all before them; resolves once no thread reads them any more. */
  updateShared(bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /** one digest per hash, in the order given */
  digest(options?: AbortOptions): Promise<Uint8Array[]>
  /** frees the threads' state and the shared buffers; call it when done, whether digest() was taken or not */
  discard(): void
}

/**
 * Hashes computed on the crypto pool's threads, each hash a stream of its own (so on a thread of
 * its own while there are enough), every one fed the same bytes in order.
 */
export function createParallelDigest (pool: CryptoPool, hashes: HashSpec[]): ParallelDigest {
  const streams = hashes.map(hash => pool.openDigest([hash]))
  const ring = pool.slots(CHUNKS_IN_FLIGHT)
  let chunk: Buffer | undefined
  let filled = 0

  const updateShared = async (bytes: Uint8Array, opts: AbortOptions = {}): Promise<void> => {
    await Promise.all(streams.map(async stream => { await stream.update(bytes, opts) }))
  }

  const flush = (opts: AbortOptions): void => {
    const full = chunk as Buffer
    ring.lend(full, updateShared(full.subarray(0, filled), opts))
    chunk = undefined
    filled = 0
  }

  return {
    async update (bytes, opts = {}) {
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

    updateShared,

    async digest (opts = {}) {
      if (filled > 0) flush(opts)
      await ring.drain(opts)
      return (await Promise.all(streams.map(async s => await s.digest(opts)))).map(d => d[0] as Uint8Array)
    },

    discard () {
      for (const stream of streams) stream.drop()
      void ring.release()
    }
  }
}
