import type { FastifyReply, FastifyRequest } from 'fastify'

/** Scheme and host the client used, for VirusTotal's absolute `links`. */
export function baseUrl (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

/** Aborts when the client goes away before the answer is sent, so ports stop work nobody awaits. */
export function requestSignal (_request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  const onClose = (): void => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'))
  }
  // only the response: the request stream closes as soon as its body has been read, which is
  // long before a slow upload has been stored
  reply.raw.once('close', onClose)
  return controller.signal
}
