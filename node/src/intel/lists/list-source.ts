import { open } from 'node:fs/promises'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Reading a list from where an operator keeps it: a file path or an http(s) URL. Conditional
 * on what the last read saw (file: size + mtime; http: ETag / Last-Modified), so an unchanged
 * source costs a stat or a 304. The body is capped while it streams, not after.
 */
export type ListSourceErrorCode = 'SOURCE_UNREADABLE' | 'SOURCE_HTTP_STATUS' | 'SOURCE_TOO_LARGE' | 'SOURCE_NOT_TEXT'

export class ListSourceError extends Error {
  override name = 'ListSourceError'
  readonly code: ListSourceErrorCode
  constructor (code: ListSourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** What identifies one version of the source; carried from one read to the next. */
export interface SourceValidators {
  etag?: string
  lastModified?: string
  /** file: `${size}:${mtimeMs}:${ino}` */
  stamp?: string
}

export type SourceRead =
  | { changed: false }
  | { changed: true, text: string, validators: SourceValidators }

export interface ReadSourceOptions extends AbortOptions {
  maxBytes: number
  timeoutMs: number
}

export const isHttpSource = (source: string): boolean => /^https?:\/\//i.test(source)

export async function readListSource (source: string, previous: SourceValidators, options: ReadSourceOptions): Promise<SourceRead> {
  const signal = options.signal === undefined
    ? AbortSignal.timeout(options.timeoutMs)
    : AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)])
  return isHttpSource(source) ? await readHttp(source, previous, options.maxBytes, signal) : await readFileSource(source, previous, options.maxBytes, signal)
}

async function readFileSource (path: string, previous: SourceValidators, maxBytes: number, signal: AbortSignal): Promise<SourceRead> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    throw new ListSourceError('SOURCE_UNREADABLE', `cannot open ${path}: ${(err as Error).message}`, { cause: err })
  }
  try {
    const info = await handle.stat()
    const stamp = `${info.size}:${info.mtimeMs}:${info.ino}`
    if (stamp === previous.stamp) return { changed: false }
    if (!info.isFile()) throw new ListSourceError('SOURCE_UNREADABLE', `${path} is not a regular file`)
    if (info.size > maxBytes) throw new ListSourceError('SOURCE_TOO_LARGE', `${path} is ${info.size} bytes, over ${maxBytes}`)
    const bytes = await handle.readFile({ signal })
    if (bytes.length > maxBytes) throw new ListSourceError('SOURCE_TOO_LARGE', `${path} grew past ${maxBytes} bytes while read`)
    return { changed: true, text: decode(bytes, path), validators: { stamp } }
  } catch (err) {
    if (err instanceof ListSourceError) throw err
    throw new ListSourceError('SOURCE_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`, { cause: err })
  } finally {
    await handle.close()
  }
}

async function readHttp (url: string, previous: SourceValidators, maxBytes: number, signal: AbortSignal): Promise<SourceRead> {
  const headers: Record<string, string> = { accept: 'text/plain, */*;q=0.5' }
  if (previous.etag !== undefined) headers['if-none-match'] = previous.etag
  if (previous.lastModified !== undefined) headers['if-modified-since'] = previous.lastModified
  let response: Response
  try {
    response = await fetch(url, { headers, signal, redirect: 'follow' })
  } catch (err) {
    throw new ListSourceError('SOURCE_UNREADABLE', `GET ${url}: ${(err as Error).message}`, { cause: err })
  }
  if (response.status === 304) {
    await response.body?.cancel()
    return { changed: false }
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    throw new ListSourceError('SOURCE_HTTP_STATUS', `GET ${url}: HTTP ${response.status}`)
  }
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) {
    await response.body?.cancel()
    throw new ListSourceError('SOURCE_TOO_LARGE', `GET ${url}: ${declared} bytes declared, over ${maxBytes}`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = response.body?.getReader()
  try {
    if (reader === undefined) throw new ListSourceError('SOURCE_UNREADABLE', `GET ${url}: no body`)
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      size += next.value.length
      if (size > maxBytes) throw new ListSourceError('SOURCE_TOO_LARGE', `GET ${url}: body over ${maxBytes} bytes`)
      chunks.push(next.value)
    }
  } catch (err) {
    await reader?.cancel().catch(() => {})
    if (err instanceof ListSourceError) throw err
    throw new ListSourceError('SOURCE_UNREADABLE', `GET ${url}: ${(err as Error).message}`, { cause: err })
  }
  const validators: SourceValidators = {}
  const etag = response.headers.get('etag')
  const lastModified = response.headers.get('last-modified')
  if (etag !== null) validators.etag = etag
  if (lastModified !== null) validators.lastModified = lastModified
  return { changed: true, text: decode(Buffer.concat(chunks), url), validators }
}

function decode (bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (err) {
    throw new ListSourceError('SOURCE_NOT_TEXT', `${where} is not UTF-8 text`, { cause: err })
  }
}
