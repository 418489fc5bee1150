import { ClamdError, MAX_REPLY, connectClamd } from './clamd.ts'
import type { ClamdAddress } from './clamd.ts'
import type { AbortOptions } from '@libp2p/interface'

/** INSTREAM chunk size; clamd appends each chunk to its temp file as it comes, so this only sets how many length headers go out */
const CHUNK = 64 * 1024
const TERMINATOR = Buffer.alloc(4)
/** the only reply id the session form allows: "<id>: <reply>" */
const REPLY = /^([1-9]\d{0,9}): (.*)$/s

/**
 * One clamd IDSESSION connection carrying one zINSTREAM at a time. clamd numbers the commands of a
 * session from 1 and prefixes each reply with the number, so a reply is accepted only for the
 * request in flight. Anything clamd would not send, a timeout or an abort destroys the
 * connection (clamd discards a half-received stream), and a closed session is never used again.
 */
export interface ClamdSession {
  /** the connection is gone or poisoned: do not use it again */
  readonly closed: boolean
  /** streams `body` and resolves with clamd's reply line without its id, e.g. "stream: OK" */
  instream(body: Uint8Array, options: AbortOptions & { timeoutMs: number }): Promise<string>
  /** ends the session (zEND); clamd closes the connection once any request in flight is answered */
  close(): void
}

/** INSTREAM framing: <u32 BE length><bytes> chunks, then a zero length */
export function instreamFrames (body: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [Buffer.from('zINSTREAM\0')]
  for (let offset = 0; offset < body.length; offset += CHUNK) {
    const part = body.subarray(offset, offset + CHUNK)
    const head = Buffer.allocUnsafe(4)
    head.writeUInt32BE(part.length)
    frames.push(head, part)
  }
  frames.push(TERMINATOR)
  return frames
}

interface Pending {
  id: number
  /** the whole stream has been handed to the kernel */
  sent: boolean
  resolve: (line: string) => void
  reject: (err: unknown) => void
  timer: NodeJS.Timeout
  signal?: AbortSignal
  onAbort: () => void
}

/**
 * Opens a session; the connection is made in the background and its failure surfaces as the first
 * request's CLAMD_UNREACHABLE. An idle session closes itself after `idleMs` (keep it below clamd's
 * ReadTimeout, after which clamd drops idle sessions) and does not keep the process alive.
 */
export function openClamdSession (address: ClamdAddress, options: { idleMs: number }): ClamdSession {
  const socket = connectClamd(address)
  let connected = false
  let closed = false
  let nextId = 1
  let pending: Pending | undefined
  let inbox: Buffer[] = []
  let inboxSize = 0

  const idle = (): void => {
    socket.setTimeout(options.idleMs)
    socket.unref()
  }
  const settle = (p: Pending): void => {
    pending = undefined
    clearTimeout(p.timer)
    p.signal?.removeEventListener('abort', p.onAbort)
  }
  /** closes the connection; a request in flight rejects with `err` */
  const fail = (err: unknown): void => {
    closed = true
    socket.destroy()
    const p = pending
    if (p === undefined) return
    settle(p)
    p.reject(err)
  }
  const lost = (cause?: unknown): ClamdError => {
    if (!connected) return new ClamdError('CLAMD_UNREACHABLE', `no clamd at ${JSON.stringify(address)}`, { cause })
    if (pending?.sent === true) return new ClamdError('CLAMD_CLOSED', 'clamd closed the connection while scanning the sample', { cause })
    return new ClamdError('CLAMD_CLOSED_SENDING', 'clamd closed the connection before taking the whole sample (clamd stopped, or the sample is over its StreamMaxLength)', { cause })
  }

  socket.once('connect', () => { connected = true })
  socket.on('error', (err) => { fail(lost(err)) })
  socket.on('close', () => { fail(lost()) })
  // also clamd's own "COMMAND READ TIMED OUT\n" on a session idle past its ReadTimeout
  socket.on('timeout', () => { if (pending === undefined) fail(undefined) })
  socket.on('data', (chunk: Buffer) => {
    const p = pending
    if (p === undefined) { fail(undefined); return }
    inbox.push(chunk)
    inboxSize += chunk.length
    const end = chunk.indexOf(0)
    if (end === -1) {
      // z-form replies hold no newline: a newline is clamd complaining in its plain form (e.g. ReadTimeout shorter than the scan)
      if (inboxSize > MAX_REPLY || chunk.includes(0x0a)) fail(new ClamdError('CLAMD_BAD_REPLY', `reply is not a clamd session reply: ${JSON.stringify(Buffer.concat(inbox).toString('utf8').slice(0, 200))}`))
      return
    }
    const all = Buffer.concat(inbox)
    inbox = []
    inboxSize = 0
    const nul = all.indexOf(0)
    const line = all.subarray(0, nul).toString('utf8')
    const match = REPLY.exec(line)
    if (nul !== all.length - 1 || match === null || Number(match[1]) !== p.id) {
      fail(new ClamdError('CLAMD_BAD_REPLY', `expected the reply to request ${p.id}, got ${JSON.stringify(all.toString('utf8').slice(0, 200))}`))
      return
    }
    settle(p)
    idle()
    p.resolve(match[2] ?? '')
  })
  socket.write('zIDSESSION\0')
  idle()

  return {
    get closed () { return closed },

    async instream (body, { timeoutMs, signal }) {
      if (closed) throw new ClamdError('CLAMD_CLOSED_SENDING', 'session already closed')
      if (pending !== undefined) throw new Error('a clamd session carries one request at a time')
      signal?.throwIfAborted()
      return await new Promise<string>((resolve, reject) => {
        const id = nextId++
        const p: Pending = {
          id,
          sent: false,
          resolve,
          reject,
          timer: setTimeout(() => { fail(new ClamdError('CLAMD_TIMEOUT', `clamd gave no reply within ${timeoutMs} ms`)) }, timeoutMs),
          signal,
          onAbort: () => { fail(signal?.reason) }
        }
        pending = p
        signal?.addEventListener('abort', p.onAbort, { once: true })
        socket.setTimeout(0)
        socket.ref()
        socket.cork()
        const frames = instreamFrames(body)
        const last = frames.pop() ?? TERMINATOR
        for (const frame of frames) socket.write(frame)
        socket.write(last, (err) => { if (err == null) p.sent = true })
        socket.uncork()
      })
    },

    close () {
      if (closed) return
      closed = true
      socket.end('zEND\0')
    }
  }
}
