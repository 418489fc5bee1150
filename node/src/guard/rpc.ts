// A minimal JSON-RPC client over fetch: the guard needs a handful of calls, each cancellable,
// and must tell "method not offered" (fall back to the sidecar) from other failures.
import type { AbortOptions } from '@libp2p/interface'
import { GuardError } from './guard-error.ts'

export interface JsonRpc {
  url: string
  call<T = unknown>(method: string, params: unknown[], options?: AbortOptions): Promise<T>
}

/** answers larger than this are refused: a trace of one transaction is far smaller */
const MAX_RESPONSE_CHARS = 16 * 1024 * 1024
const UNSUPPORTED = /method not found|not supported|unsupported|does not exist|not available|unknown method/i

const toJson = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => typeof v === 'bigint' ? `0x${v.toString(16)}` : v)

export function createJsonRpc (url: string): JsonRpc {
  let id = 0
  return {
    url,
    async call<T>(method: string, params: unknown[], options?: AbortOptions): Promise<T> {
      let text: string
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: toJson({ jsonrpc: '2.0', id: ++id, method, params }),
          signal: options?.signal ?? null
        })
        text = await res.text()
        if (!res.ok && text === '') throw new GuardError('RPC_FAILED', `${method}: HTTP ${res.status}`)
      } catch (err) {
        if (options?.signal?.aborted === true) throw options.signal.reason
        if (err instanceof GuardError) throw err
        throw new GuardError('RPC_FAILED', `${method}: ${(err as Error).message}`, { cause: err })
      }
      if (text.length > MAX_RESPONSE_CHARS) throw new GuardError('RPC_FAILED', `${method}: answer larger than ${MAX_RESPONSE_CHARS} characters`)
      let body: { result?: unknown, error?: { code?: unknown, message?: unknown } }
      try {
        body = JSON.parse(text) as typeof body
      } catch {
        throw new GuardError('RPC_FAILED', `${method}: the answer is not JSON`)
      }
      if (typeof body !== 'object' || body === null) throw new GuardError('RPC_FAILED', `${method}: the answer is not JSON-RPC`)
      if (body.error !== undefined) {
        const message = String(body.error?.message ?? 'error').slice(0, 300)
        const unsupported = body.error?.code === -32601 || UNSUPPORTED.test(message)
        throw new GuardError(unsupported ? 'RPC_UNSUPPORTED' : 'RPC_FAILED', `${method}: ${message}`)
      }
      if (!('result' in body)) throw new GuardError('RPC_FAILED', `${method}: no result`)
      return body.result as T
    }
  }
}
