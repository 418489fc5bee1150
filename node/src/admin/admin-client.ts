import type { ApiKeyRecord } from '../db/apikey-repository.ts'
import type { AdminCookie } from './admin-cookie.ts'
import type { AbortOptions } from '@libp2p/interface'

export type AdminClientErrorCode = 'UNREACHABLE' | 'REFUSED'

/** UNREACHABLE: nothing listens at the cookie's URL (a node that died without removing it). */
export class AdminClientError extends Error {
  override readonly name = 'AdminClientError'
  readonly code: AdminClientErrorCode
  /** VirusTotal's error code from the endpoint, for REFUSED */
  readonly vtCode: string | undefined
  constructor (code: AdminClientErrorCode, message: string, vtCode?: string) {
    super(message)
    this.code = code
    this.vtCode = vtCode
  }
}

export interface AdminClient {
  createKey(options: { name: string, perMinute: number, perDay: number, privileges: string[] }, opts?: AbortOptions): Promise<{ key: string, record: ApiKeyRecord }>
  listKeys(opts?: AbortOptions): Promise<ApiKeyRecord[]>
  revokeKey(id: string, opts?: AbortOptions): Promise<ApiKeyRecord>
}

/** Speaks to a running supernode's admin endpoint with the token from its cookie. */
export function createAdminClient (cookie: AdminCookie): AdminClient {
  async function call (method: string, path: string, body: unknown, { signal }: AbortOptions = {}): Promise<unknown> {
    let res: Response
    try {
      res = await fetch(`${cookie.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${cookie.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.any([...(signal === undefined ? [] : [signal]), AbortSignal.timeout(10_000)])
      })
    } catch (err) {
      if (signal?.aborted === true) throw err
      throw new AdminClientError('UNREACHABLE', `no supernode answers at ${cookie.url}`)
    }
    const json = await res.json().catch(() => undefined) as { data?: unknown, error?: { code?: unknown, message?: unknown } } | undefined
    if (!res.ok || json?.data === undefined) {
      const code = typeof json?.error?.code === 'string' ? json.error.code : `HTTP ${res.status}`
      const message = typeof json?.error?.message === 'string' ? json.error.message : `HTTP ${res.status}`
      throw new AdminClientError('REFUSED', message, code)
    }
    return json.data
  }
  return {
    async createKey (options, opts = {}) {
      const { key, ...record } = await call('POST', '/admin/apikeys', options, { signal: opts.signal }) as ApiKeyRecord & { key: string }
      return { key, record }
    },
    async listKeys (opts = {}) {
      return await call('GET', '/admin/apikeys', undefined, { signal: opts.signal }) as ApiKeyRecord[]
    },
    async revokeKey (id, opts = {}) {
      return await call('DELETE', `/admin/apikeys/${encodeURIComponent(id)}`, undefined, { signal: opts.signal }) as ApiKeyRecord
    }
  }
}
