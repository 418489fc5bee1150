import type { AbortOptions } from '@libp2p/interface'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** The most of a refused request's body the node reads and drops to keep the connection. */
export const DRAIN_LIMIT_BYTES = 1024 * 1024
const DRAIN_TIMEOUT_MS = 10_000

/**
 * A request refused before its body was read (a missing key, a quota, the upload caps) still has
 * that body on the wire: answering and closing while the client is still sending makes it see
 * EPIPE or ECONNRESET instead of the 401/429. A small body is read and dropped first, so the client
 * gets the answer on a connection it can keep; a larger, unsized or half-read one gets
 * `connection: close` (reading it would cost the node what the refusal saves).
 */
export async function settleUnreadBody (request: FastifyRequest, reply: FastifyReply, options: AbortOptions = {}): Promise<void> {
  const raw = request.raw
  if (raw.complete || raw.readableEnded || raw.destroyed) return
  const length = Number(request.headers['content-length'])
  const untouched = raw.readableFlowing !== true && raw.listenerCount('data') === 0
  if (!untouched || !Number.isSafeInteger(length) || length > DRAIN_LIMIT_BYTES) {
    reply.header('connection', 'close')
    return
  }
  const signal = AbortSignal.any([AbortSignal.timeout(DRAIN_TIMEOUT_MS), ...(options.signal === undefined ? [] : [options.signal])])
  await new Promise<void>((resolve) => {
    const done = (): void => {
      raw.off('end', done).off('close', done).off('error', done)
      signal.removeEventListener('abort', stop)
      resolve()
    }
    const stop = (): void => {
      reply.header('connection', 'close')
      done()
    }
    raw.on('end', done).on('close', done).on('error', done)
    signal.addEventListener('abort', stop, { once: true })
    raw.resume()
  })
}
