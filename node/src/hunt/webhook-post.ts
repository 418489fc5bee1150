/**
 * One POST of a signed match notification to a vendor's webhook (SPEC 19): the connection's own lookup is
 * guarded (webhook-target.ts), an IP literal is checked before connecting, redirects are not followed, the
 * response body is not read, and the whole exchange is bounded by a timeout. Resolves with the status code.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import type { AbortOptions } from '@libp2p/interface'
import { WebhookError } from './webhook-error.ts'
import { guardedLookup, isPublicAddress } from './webhook-target.ts'

export interface WebhookPostOptions extends AbortOptions {
  allowPrivate: boolean
  timeoutMs: number
  headers: Record<string, string>
}

export async function postWebhook (url: URL, body: string, options: WebhookPostOptions): Promise<number> {
  const literal = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!options.allowPrivate && isIP(literal) !== 0 && !isPublicAddress(literal)) throw new WebhookError('PRIVATE_TARGET', `${url.hostname} is no public address`)
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs), ...(options.signal === undefined ? [] : [options.signal])])
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return await new Promise<number>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      signal,
      lookup: guardedLookup(options.allowPrivate),
      // a fresh connection per POST: a pooled socket would skip the lookup's check
      agent: false,
      headers: { ...options.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'virusmap-hunt-webhook' }
    }, (res) => {
      resolve(res.statusCode ?? 0)
      // the status is the answer: the body is never read
      res.destroy()
    })
    req.on('error', reject)
    req.end(body)
  })
}
