import type { FastifyInstance } from 'fastify'
import type { Socket } from 'node:net'

/**
 * Ends, when the server closes, every connection that carries no request: a client's spare socket
 * (browsers and undici open one ahead) or a keep-alive one between requests. Node's own
 * closeIdleConnections, fastify's default on close, skips a connection that never sent a request,
 * so a stop waited for its headersTimeout (a minute) before the node could exit. Requests in flight
 * still finish, bounded by requestTimeout; hijacked streams are ended by their routes' preClose.
 */
export function closeQuietConnections (app: FastifyInstance): void {
  const open = new Set<Socket>()
  const busy = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    open.add(socket)
    socket.once('close', () => { open.delete(socket); busy.delete(socket) })
  })
  app.server.on('request', (req, res) => {
    busy.add(req.socket)
    res.once('close', () => { busy.delete(req.socket) })
  })
  app.addHook('preClose', (done) => {
    for (const socket of open) if (!busy.has(socket)) socket.destroy()
    done()
  })
}
