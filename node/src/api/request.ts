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
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'))
  })
  return controller.signal
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
