import type { FastifyInstance } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Ends, when the server closes, every connection that carries no request: a client's spare socket
 * (browsers and undici open one ahead) or a keep-alive one between requests. Node's own
 * closeIdleConnections, fastify's default on close, skips a connection that never sent a request,
 * so a stop waited for its headersTimeout (a minute) before the node could exit. Requests in flight
 * still finish, bounded by requestTimeout; hijacked streams are ended by their routes' preClose.
 */
export function closeQuietConnections (app: FastifyInstance): void {
  // each open connection with the response it carried last (none before its first request): it is
  // busy while that response is not closed. Read at close, not kept by a listener on every response.
  const open = new Map<Socket, ServerResponse | undefined>()
  app.server.on('connection', (socket: Socket) => {
    open.set(socket, undefined)
    socket.once('close', () => { open.delete(socket) })
  })
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (open.has(req.socket)) open.set(req.socket, res)
  })
  app.addHook('preClose', (done) => {
    for (const [socket, res] of open) if (res === undefined || res.closed) socket.destroy()
    done()
  })
}
