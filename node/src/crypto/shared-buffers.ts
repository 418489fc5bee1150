/**
 * Buffers in shared memory, lent in turn, for handing bytes to the crypto threads: a thread reads
 * them where they are, where a message would copy them (structured clone of a 1 MiB chunk costs
 * more than hashing it). A buffer is lent again only once the work last given it has settled, so
 * at most `count` are in use and the caller waits while the threads are behind. Buffers are made
 * on first use: a small upload needs one.
 */
export interface SharedBufferRing {
  /** the next buffer in turn, once free; rejects with the failure of the work last given it */
  take(options?: { signal?: AbortSignal }): Promise<Buffer>
  /** the work now using `buffer` (one this ring gave): it is free again once the work settles */
  lend(buffer: Buffer, work: Promise<unknown>): void
  /** waits until every buffer is free; rejects with the first failure of their work */
  drain(options?: { signal?: AbortSignal }): Promise<void>
}

export function createSharedBufferRing (count: number, bytes: number): SharedBufferRing {
  const buffers: Array<Buffer | undefined> = Array.from({ length: count }, () => undefined)
  const work: Array<Promise<unknown> | undefined> = Array.from({ length: count }, () => undefined)
  let next = 0
  return {
    async take (options = {}) {
      // the turn is taken now, not once free: buffers go round in the order they were asked for
      const i = next
      next = (next + 1) % count
      await work[i]
      work[i] = undefined
      options.signal?.throwIfAborted()
      return buffers[i] ??= Buffer.from(new SharedArrayBuffer(bytes))
    },
    lend (buffer, promise) {
      const i = buffers.indexOf(buffer)
      if (i === -1) throw new RangeError('not a buffer of this ring')
      // observed by take() or drain(); this keeps a failure from being unhandled meanwhile
      promise.catch(() => {})
      work[i] = promise
    },
    async drain (options = {}) {
      await Promise.all(work)
      options.signal?.throwIfAborted()
    }
  }
}
