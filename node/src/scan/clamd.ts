import { createConnection } from 'node:net'
import type { Socket } from 'node:net'
import type { AbortOptions } from '@libp2p/interface'

/** Where clamd listens: its LocalSocket path, or TCPAddr/TCPSocket. */
export type ClamdAddress = { socket: string } | { host: string, port: number }

export interface ClamdReply {
  /** the reply line without the trailing NUL, e.g. "PONG" */
  line: string
}

export const CLAMD_ERROR_CODES = [
  /** no connection: nothing listens at the address */
  'CLAMD_UNREACHABLE',
  /** the connection closed before clamd took the whole sample (clamd stopped, or the sample is over its StreamMaxLength) */
  'CLAMD_CLOSED_SENDING',
  /** the connection closed after the sample was sent, before a reply (clamd died scanning it) */
  'CLAMD_CLOSED',
  /** no reply within the budget */
  'CLAMD_TIMEOUT',
  /** a reply clamd does not send: wrong or missing id, no terminator, extra or unsolicited bytes */
  'CLAMD_BAD_REPLY'
] as const
export type ClamdErrorCode = typeof CLAMD_ERROR_CODES[number]

export class ClamdError extends Error {
  override name = 'ClamdError'
  readonly code: ClamdErrorCode

  constructor (code: ClamdErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** clamd replies are one short line; anything longer is not clamd */
export const MAX_REPLY = 64 * 1024

export function connectClamd (address: ClamdAddress): Socket {
  return 'socket' in address ? createConnection({ path: address.socket }) : createConnection({ host: address.host, port: address.port })
}

/**
 * One command without a body (VERSION, PING) over a fresh connection, in the z-prefixed,
 * NUL-terminated form. The socket is destroyed on timeout and on abort.
 */
export async function clamdCommand (address: ClamdAddress, command: string, options: AbortOptions & { timeoutMs: number }): Promise<ClamdReply> {
  const { timeoutMs, signal } = options
  signal?.throwIfAborted()
  return await new Promise<ClamdReply>((resolve, reject) => {
    const socket = connectClamd(address)
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
    const fail = (code: ClamdErrorCode, message: string, cause?: unknown): void => { settle(() => { reject(new ClamdError(code, message, { cause })) }) }
    const timer = setTimeout(() => { fail('CLAMD_TIMEOUT', `clamd ${command} timed out after ${timeoutMs} ms`) }, timeoutMs)
    const onAbort = (): void => { settle(() => { reject(signal?.reason) }) }
    signal?.addEventListener('abort', onAbort, { once: true })

    const finish = (): void => {
      const text = Buffer.concat(chunks).toString('utf8')
      const end = text.indexOf('\0')
      if (end === -1) { fail('CLAMD_CLOSED', `clamd closed the connection without a complete reply (${JSON.stringify(text.slice(0, 200))})`); return }
      settle(() => { resolve({ line: text.slice(0, end).trim() }) })
    }
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_REPLY) { fail('CLAMD_BAD_REPLY', 'clamd reply over 64 KiB'); return }
      chunks.push(chunk)
      if (chunk.includes(0)) finish()
    })
    socket.once('end', finish)
    socket.once('close', finish)
    socket.once('error', (err) => { fail(socket.connecting ? 'CLAMD_UNREACHABLE' : 'CLAMD_CLOSED', err.message, err) })
    socket.write(`z${command}\0`)
  })
}

export type ClamdVerdict =
  | { status: 'clean' }
  | { status: 'found', signature: string }
  /** clamd refused the stream: over its StreamMaxLength */
  | { status: 'too-large' }
  | { status: 'error', message: string }

/** signature names are printable ASCII without spaces (e.g. "Win.Test.EICAR_HDB-1", "Heuristics.Encrypted.Zip") */
const FOUND = /^stream: ([\x21-\x7e]{1,255}) FOUND$/

/**
 * "stream: OK" | "stream: <Name> FOUND" | "<message> ERROR" (e.g. "INSTREAM size limit exceeded. ERROR").
 * Anything else, a name with spaces or control characters included, is an error: the label goes
 * into signed verdicts, so an odd reply is never taken as a detection.
 */
export function parseScanReply (line: string): ClamdVerdict {
  if (line === 'stream: OK') return { status: 'clean' }
  const found = FOUND.exec(line)?.[1]
  if (found !== undefined) return { status: 'found', signature: found }
  if (line === 'INSTREAM size limit exceeded. ERROR') return { status: 'too-large' }
  if (line.endsWith(' ERROR')) return { status: 'error', message: line.slice(0, -' ERROR'.length).slice(0, 200) }
  return { status: 'error', message: `unexpected reply ${JSON.stringify(line.slice(0, 200))}` }
}

/** "ClamAV 1.4.6/27100/Sun Nov 23 09:30:00 2026" -> engine version and (when the db says) YYYYMMDD */
export function parseVersion (line: string): { version: string, dbVersion?: string, signatureDate?: string } {
  const [program = '', dbVersion, dbDate] = line.split('/')
  const version = program.replace(/^ClamAV\s*/, '').trim()
  const parsed = dbDate === undefined ? Number.NaN : Date.parse(`${dbDate.trim()} UTC`)
  const signatureDate = Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString().slice(0, 10).replaceAll('-', '')
  return { version, ...(dbVersion !== undefined ? { dbVersion } : {}), ...(signatureDate !== undefined ? { signatureDate } : {}) }
}
