/**
 * Iterates `source` but stops as soon as `signal` aborts, even while the source is stalled (a
 * slow or hung upload), and closes the source so it can release its resources.
 */
export async function * abortable<T> (source: AsyncIterable<T>, signal?: AbortSignal): AsyncGenerator<T, void, undefined> {
  if (signal === undefined) {
    yield * source
    return
  }
  signal.throwIfAborted()
  const iterator = source[Symbol.asyncIterator]()
  const { promise: aborted, reject } = Promise.withResolvers<never>()
  const onAbort = (): void => { reject(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })
  let done = false
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), aborted])
      if (next.done === true) {
        done = true
        return
      }
      yield next.value
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    // not awaited: a source stuck inside next() may only settle return() once it resumes
    if (!done) Promise.resolve(iterator.return?.()).catch(() => {})
  }
}
