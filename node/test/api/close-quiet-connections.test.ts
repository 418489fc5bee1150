import tap from 'tap'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import Fastify from 'fastify'
import { closeQuietConnections } from '../../src/api/close-quiet-connections.ts'

/** a raw connection that collects what it reads and tells when it closed */
async function open (port: number): Promise<{ socket: Socket, text: () => string, closed: Promise<unknown> }> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let text = ''
  socket.on('data', (d: Buffer) => { text += d.toString() })
  return { socket, text: () => text, closed: once(socket, 'close') }
}

const request = (path: string, connection = 'keep-alive'): string => `GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: ${connection}\r\n\r\n`

tap.test('a close ends the connections that carry no request and lets one in flight finish', async (t) => {
  const app = Fastify()
  closeQuietConnections(app)
  const { promise: release, resolve } = Promise.withResolvers<void>()
  app.get('/fast', (_request, reply) => { reply.send('fast') })
  app.get('/slow', async () => { await release; return 'slow' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }

  const spare = await open(port)
  const idle = await open(port)
  idle.socket.write(request('/fast'))
  while (!idle.text().includes('fast')) await new Promise((r) => setTimeout(r, 5))
  const answered = await open(port)
  answered.socket.write(request('/fast'))
  answered.socket.write(request('/fast'))
  while (answered.text().split('fast').length < 3) await new Promise((r) => setTimeout(r, 5))
  const busy = await open(port)
  // the close waits for it (as fastify's close does for any connection left open): it asks for no keep-alive
  busy.socket.write(request('/slow', 'close'))
  await new Promise((r) => setTimeout(r, 50))

  const closing = app.close()
  await Promise.all([spare.closed, idle.closed, answered.closed])
  t.pass('the spare connection, and those whose responses were sent, are ended')
  t.notOk(busy.socket.destroyed, 'the one whose request is in flight stays')
  resolve()
  await Promise.all([closing, busy.closed])
  t.match(busy.text(), /^HTTP\/1\.1 200[\s\S]*slow$/, 'and gets its answer')
})
