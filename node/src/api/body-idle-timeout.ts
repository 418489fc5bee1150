import { Counter } from 'prom-client'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import type { Registry } from 'prom-client'

const hasBody = (headers: IncomingHttpHeaders): boolean =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')

/**
 * Cuts a request whose body stops arriving: once no byte has come in for `idleMs` while the body is
 * incomplete and nothing already received waits to be read, the socket is destroyed. That ends the
 * handler reading it (its request signal aborts), which frees its upload slot and spool. Node's
 * own timeouts do not do this in time: requestTimeout must allow a whole large upload, and
 * server.timeout must outlast the quiet spell while a received upload is stored.
 *
 * Progress is read from the socket's byte count, not from 'data' listeners, which would take the
 * body out of the parser's hands; bytes the node has not consumed yet (its own back-pressure, e.g.
 * a slow disk) and a socket the node paused never count as the client's idleness.
 */
export function cutIdleBodies (app: FastifyInstance, idleMs: number, registry: Registry): void {
  const cut = new Counter({ name: 'virusmap_api_idle_bodies_cut_total', help: 'requests cut because their body stopped arriving', registers: [registry] })
  // no async work: a callback hook spares fastify a promise per request
  app.addHook('onRequest', (request, reply, done) => {
    watch(request, reply)
    done()
  })
  function watch (request: FastifyRequest, reply: FastifyReply): void {
    const req = request.raw
    if (req.complete || !hasBody(req.headers)) return
    const socket = req.socket
    let seen = socket.bytesRead
    // the node holding the body back (unread bytes, or a socket it paused for back-pressure, as
    // a multipart parser piping to a slow consumer does) is not the client's idleness
    const progressed = (): boolean => {
      if (socket.bytesRead === seen && req.readableLength === 0 && !req.isPaused() && !socket.isPaused()) return false
      seen = socket.bytesRead
      timer.refresh()
      return true
    }
    // timers run before the poll phase: after the event loop stalled (a busy machine, a long GC),
    // bytes that arrived meanwhile are read only after this timer, so judge once more past the poll
    const check = (): void => {
      if (req.complete || socket.destroyed || progressed()) return
      setImmediate(judge)
    }
    const judge = (): void => {
      if (req.complete || socket.destroyed || progressed()) return
      cut.inc()
      request.log.info({ idleMs, bytesRead: socket.bytesRead }, 'request body stalled: connection cut')
      socket.destroy()
    }
    const timer = setTimeout(check, idleMs)
    timer.unref()
    reply.raw.once('close', () => { clearTimeout(timer) })
  }
}
