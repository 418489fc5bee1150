import type { FastifyReply, FastifyRequest } from 'fastify'

/** Scheme and host the client used, for VirusTotal's absolute `links`. */
export function baseUrl (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

/**
 * Aborts when the client goes away before the answer is sent, so ports stop work nobody awaits.
 * Only the response's 'close' tells that: the request's fires as soon as its body has been read.
 */
export function requestSignal (reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  const gone = (): void => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'))
  }
  // asked for after the response closed (requestOptions): its 'close' has been and gone
  if (reply.raw.closed) gone()
  else reply.raw.once('close', gone)
  return controller.signal
}

/**
 * A port call's options with requestSignal's signal, made when the port first reads it: a lookup
 * answered from the repositories' caches never does, and the controller and the response listener
 * cost about 1% of such a request's CPU.
 */
export function requestOptions (reply: FastifyReply): { readonly signal: AbortSignal } {
  let signal: AbortSignal | undefined
  return {
    get signal () {
      signal ??= requestSignal(reply)
      return signal
    }
  }
}

/** `promise`, or the signal's reason once it aborts first (what the promise does then is ignored). */
export async function untilAborted<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  const { promise: aborted, reject } = Promise.withResolvers<never>()
  const onAbort = (): void => { reject(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
    promise.catch(() => {})
  }
}
