import { createConnection } from 'node:net'
import type { Socket } from 'node:net'

/** Where clamd listens: its LocalSocket path, or TCPAddr/TCPSocket. */
export type ClamdAddress = { socket: string } | { host: string, port: number }

export interface ClamdReply {
  /** the reply line without the trailing NUL, e.g. "stream: OK" */
  line: string
}

export class ClamdTimeoutError extends Error {
  override name = 'ClamdTimeoutError'
}

/** clamd's own INSTREAM limit is StreamMaxLength (default 25 MiB); chunks are sent at most this large */
const CHUNK = 64 * 1024
/** clamd replies are one short line; anything longer is not clamd */
const MAX_REPLY = 64 * 1024

/**
 * One clamd command over a fresh connection (the z-prefixed, NUL-terminated form). The socket is
 * destroyed on timeout and on abort, so a wedged clamd never holds a scan past its budget.
 */
export async function clamdCommand (address: ClamdAddress, command: string, options: { body?: Uint8Array, timeoutMs: number, signal?: AbortSignal }): Promise<ClamdReply> {
  const { body, timeoutMs, signal } = options
  signal?.throwIfAborted()
  return await new Promise<ClamdReply>((resolve, reject) => {
    const socket: Socket = 'socket' in address
      ? createConnection({ path: address.socket })
      : createConnection({ host: address.host, port: address.port })
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const settle = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      fn()
    }
    const timer = setTimeout(() => { settle(() => { reject(new ClamdTimeoutError(`clamd ${command} timed out after ${timeoutMs} ms`)) }) }, timeoutMs)
    const onAbort = (): void => { settle(() => { reject(signal?.reason) }) }
    signal?.addEventListener('abort', onAbort, { once: true })

    const finish = (): void => {
      const text = Buffer.concat(chunks).toString('utf8')
      const end = text.indexOf('\0')
      if (end === -1) { settle(() => { reject(new Error(`clamd closed the connection without a complete reply (${JSON.stringify(text.slice(0, 200))})`)) }); return }
      settle(() => { resolve({ line: text.slice(0, end).trim() }) })
    }
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_REPLY) { settle(() => { reject(new Error('clamd reply over 64 KiB')) }); return }
      chunks.push(chunk)
      if (chunk.includes(0)) finish()
    })
    socket.once('end', finish)
    socket.once('close', finish)
    socket.once('error', (err) => { settle(() => { reject(err) }) })
    socket.once('connect', () => {
      socket.write(`z${command}\0`)
      if (body === undefined) return
      // INSTREAM: <u32 BE length><bytes> chunks, then a zero length
      for (let offset = 0; offset < body.length; offset += CHUNK) {
        const part = body.subarray(offset, offset + CHUNK)
        const head = Buffer.alloc(4)
        head.writeUInt32BE(part.length)
        socket.write(head)
        socket.write(part)
      }
      socket.write(Buffer.alloc(4))
    })
  })
}

export type ClamdVerdict =
  | { status: 'clean' }
  | { status: 'found', signature: string }
  | { status: 'error', message: string }

/** "stream: OK" | "stream: <Name> FOUND" | "<message> ERROR" (e.g. "INSTREAM size limit exceeded. ERROR") */
export function parseScanReply (line: string): ClamdVerdict {
  const body = line.replace(/^stream:\s*/, '')
  if (body === 'OK') return { status: 'clean' }
  const found = /^(.+) FOUND$/.exec(body)
  if (found !== null) return { status: 'found', signature: (found[1] ?? '').trim() }
  return { status: 'error', message: body.replace(/\s*ERROR$/, '') || 'empty reply' }
}

/** "ClamAV 1.4.6/27100/Sun Nov 23 09:30:00 2026" -> engine version and (when the db says) YYYYMMDD */
export function parseVersion (line: string): { version: string, dbVersion?: string, signatureDate?: string } {
  const [program = '', dbVersion, dbDate] = line.split('/')
  const version = program.replace(/^ClamAV\s*/, '').trim()
  const parsed = dbDate === undefined ? Number.NaN : Date.parse(`${dbDate.trim()} UTC`)
  const signatureDate = Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString().slice(0, 10).replaceAll('-', '')
  return { version, ...(dbVersion !== undefined ? { dbVersion } : {}), ...(signatureDate !== undefined ? { signatureDate } : {}) }
}
