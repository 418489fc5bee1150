import { createServer } from 'node:net'
import { join } from 'node:path'
import { clientReader } from './clamd-client-reader.ts'
import { socketDir } from './clamd-helpers.ts'
import type { Socket } from 'node:net'
import type { Test } from 'tap'

/**
 * What the fake answers a scanned sample with: a reply it sends as "<id>: <reply>\0", `raw`
 * bytes sent as they are, `hang` (never answer), `drop` (close the connection).
 */
export type FakeAnswer = string | { raw: string | Buffer } | 'hang' | 'drop'

export interface FakeClamd {
  path: string
  /** session connections accepted so far (VERSION/PING connections not counted) */
  readonly sessions: number
  /** session connections the client closed */
  readonly clientClosed: number
}

export interface FakeClamdOptions {
  /** the answer to the n-th sample (0-based over the whole fake) and its connection's n-th command */
  answer: (sample: Buffer, at: { scan: number, command: number }) => FakeAnswer
  /** stop reading a connection when the n-th sample's INSTREAM command arrives (the client is left mid-stream) */
  stall?: (scan: number) => boolean
  /** close a reused session as soon as its next INSTREAM command arrives, before the sample */
  dropReused?: boolean
}

/**
 * A unix-socket stand-in for clamd that speaks its session protocol (VERSION, PING, IDSESSION,
 * INSTREAM, END) and answers samples as told, to drive the engine through replies and failures
 * a real clamd does not produce on demand.
 */
export async function fakeClamd (t: Test, options: FakeClamdOptions): Promise<FakeClamd> {
  const path = join(socketDir(t), 'fake.sock')
  const sockets = new Set<Socket>()
  let sessions = 0
  let clientClosed = 0
  let scans = 0
  const server = createServer(socket => {
    sockets.add(socket)
    let session = false
    let commands = 0
    let dropped = false
    const drop = (): void => { dropped = true; socket.destroy() }
    socket.on('error', () => {})
    socket.on('close', () => { sockets.delete(socket); if (session && !dropped) clientClosed++ })
    const onInstream = (): void => {
      if (options.dropReused === true && commands > 0) { drop(); return }
      if (options.stall?.(scans) === true) socket.pause()
    }
    socket.on('data', clientReader(command => {
      if (dropped) return
      if (command.name === 'VERSION') { socket.end('ClamAV 1.4.6/27100/Sun Nov 23 09:30:00 2025\0'); return }
      if (command.name === 'PING') { socket.end('PONG\0'); return }
      if (command.name === 'IDSESSION') { session = true; sessions++; return }
      if (command.name === 'END') { socket.end(); return }
      const id = ++commands
      if (command.body === undefined) { socket.write(`${id}: UNKNOWN COMMAND\0`); return }
      const answer = options.answer(command.body, { scan: scans++, command: id })
      if (answer === 'hang') return
      if (answer === 'drop') { drop(); return }
      socket.write(typeof answer === 'string' ? `${id}: ${answer}\0` : answer.raw)
    }, onInstream))
  })
  await new Promise<void>(resolve => { server.listen(path, resolve) })
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  })
  return {
    path,
    get sessions () { return sessions },
    get clientClosed () { return clientClosed }
  }
}
