import type { AbortOptions } from '@libp2p/interface'

/**
 * Iterates `source` but stops as soon as `signal` aborts, even while the source is stalled (a
 * slow or hung upload), and closes the source so it can release its resources.
 *
 * Each wait listens for the abort afresh. Racing every next() against one long-lived "aborted"
 * promise would leave a reaction on it per chunk, each keeping that chunk reachable: the whole
 * upload would stay in memory until the end.
 */
export async function * abortable<T> (source: AsyncIterable<T>, { signal }: AbortOptions = {}): AsyncGenerator<T, void, undefined> {
  if (signal === undefined) {
    yield * source
    return
  }
  signal.throwIfAborted()
  const iterator = source[Symbol.asyncIterator]()
  let done = false
  try {
    while (true) {
      const next = await nextOrAbort(iterator, signal)
      if (next.done === true) {
        done = true
        return
      }
      yield next.value
    }
  } finally {
    // not awaited: a source stuck inside next() may only settle return() once it resumes
    if (!done) Promise.resolve(iterator.return?.()).catch(() => {})
  }
}

function nextOrAbort<T> (iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  signal.throwIfAborted()
  return new Promise((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    iterator.next().then(
      (result) => { signal.removeEventListener('abort', onAbort); resolve(result) },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err) }
    )
  })
}
