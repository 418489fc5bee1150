import type { FastifyReply, FastifyRequest } from 'fastify'

/** Scheme and host the client used, for VirusTotal's absolute `links`. */
export function baseUrl (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

/** Aborts when the client goes away before the answer is sent, so ports stop work nobody awaits. */
export function requestSignal (request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  const onClose = (): void => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'))
  }
  request.raw.once('close', onClose)
  reply.raw.once('close', onClose)
  return controller.signal
}
