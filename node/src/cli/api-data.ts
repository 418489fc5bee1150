import { CliError } from './cli-error.ts'
import { terminalText } from './terminal-text.ts'
import type { CommandContext } from './command.ts'
import type { ApiTarget } from './target.ts'

/** The most a node's answer to a listing route may hold. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024

/**
 * GET (or POST `init.body` as JSON) one of a node's /api/virusmap routes, size-bounded, and its `data` (the caller checks its shape). 404 is
 * NOT_FOUND; a node that does not answer, answers another error status, no JSON or no data is a network error: the
 * CLI never mistakes what a broken or lying node says for an answer.
 */
export async function fetchApiData (target: ApiTarget, path: string, ctx: CommandContext, init: { method?: 'GET' | 'POST', headers?: Record<string, string>, body?: string } = {}): Promise<unknown> {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(target.timeoutMs)])
  const url = new URL(path, target.api)
  let text: string
  let status: number
  try {
    const headers = { ...init.headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(target.apiKey === undefined ? {} : { 'x-apikey': target.apiKey }) }
    const res = await fetch(url, { signal, method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: init.body }) })
    status = res.status
    const length = Number(res.headers.get('content-length') ?? 0)
    if (length > MAX_ANSWER_BYTES) throw new CliError('NETWORK', `${url.href}: answer of ${length} bytes is too large`)
    text = await res.text()
  } catch (err) {
    if (err instanceof CliError) throw err
    throw new CliError('NETWORK', `${url.href}: ${(err as Error).message}`, { cause: err })
  }
  if (text.length > MAX_ANSWER_BYTES) throw new CliError('NETWORK', `${url.href}: answer too large`)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new CliError('NETWORK', `${url.href}: answered ${status} with no JSON`)
  }
  const b = body as { data?: unknown, error?: { message?: unknown } }
  if (status !== 200) throw new CliError(status === 404 ? 'NOT_FOUND' : 'NETWORK', `${url.href}: ${status} ${terminalText(String(b?.error?.message ?? '')).slice(0, 200)}`)
  if (b?.data === undefined || b.data === null) throw new CliError('NETWORK', `${url.href}: the answer has no data`)
  return b.data
}
