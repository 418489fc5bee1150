/**
 * Buffers in shared memory, lent in turn, for handing bytes to the crypto threads: a thread reads
 * them where they are, where a message would copy them (structured clone of a 1 MiB chunk costs
 * more than hashing it). A buffer is lent again only once the work last given it has settled, so
 * at most `count` are in use and the caller waits while the threads are behind.
 *
 * Buffers come from a free list (SharedBufferStock) and go back to it on release(): fresh shared
 * memory is zeroed and faulted in page by page when first written, which costs more than the copy
 * into it. They are made on first use, so a small upload takes one.
 */
import type { AbortOptions } from '@libp2p/interface'

export interface SharedBufferRing {
  /** how many buffers go round */
  readonly count: number
  /** the next buffer in turn, once free; rejects with the failure of the work last given it */
  take(options?: AbortOptions): Promise<Buffer>
  /** the work now using `buffer` (one this ring gave, or a view of one): it is free again once the work settles */
  lend(buffer: Uint8Array, work: Promise<unknown>): void
  /** waits until every buffer is free; rejects with the first failure of their work */
  drain(options?: AbortOptions): Promise<void>
  /** once all work lent has settled, whatever its outcome, gives the buffers back for reuse; the ring is done */
  release(): Promise<void>
}

/** Free shared buffers, all of one size, kept up to a bound. */
export interface SharedBufferStock {
  readonly bytes: number
  take(): Buffer
  give(buffer: Buffer): void
  /** forgets every free buffer */
  clear(): void
}

export function createSharedBufferStock (bytes: number, maxFree: number): SharedBufferStock {
  const free: Buffer[] = []
  return {
    bytes,
    take: () => free.pop() ?? Buffer.from(new SharedArrayBuffer(bytes)),
    give (buffer) {
      if (free.length < maxFree) free.push(buffer)
    },
    clear () {
      free.length = 0
    }
  }
}

export function createSharedBufferRing (count: number, stock: SharedBufferStock): SharedBufferRing {
  const buffers: Array<Buffer | undefined> = Array.from({ length: count }, () => undefined)
  const work: Array<Promise<unknown> | undefined> = Array.from({ length: count }, () => undefined)
  let next = 0
  let released = false
  return {
    count,
    async take (options = {}) {
      if (released) throw new Error('this ring was released')
      // the turn is taken now, not once free: buffers go round in the order they were asked for
      const i = next
      next = (next + 1) % count
      await work[i]
      work[i] = undefined
      options.signal?.throwIfAborted()
      if (released) throw new Error('this ring was released')
      return buffers[i] ??= stock.take()
    },
    lend (buffer, promise) {
      if (released) throw new Error('this ring was released')
      const i = buffers.findIndex(b => b?.buffer === buffer.buffer)
      if (i === -1) throw new RangeError('not a buffer of this ring')
      // observed by take() or drain(); this keeps a failure from being unhandled meanwhile
      promise.catch(() => {})
      work[i] = promise
    },
    async drain (options = {}) {
      await Promise.all(work)
      options.signal?.throwIfAborted()
    },
    async release () {
      if (released) return
      released = true
      await Promise.allSettled(work)
      for (const buffer of buffers) if (buffer !== undefined) stock.give(buffer)
    }
  }
}
