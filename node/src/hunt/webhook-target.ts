/**
 * Where a member may POST a vendor's match notifications (SPEC 19): an http(s) URL without credentials whose
 * host is, and resolves only to, public addresses, so a vendor cannot make members reach their own loopback,
 * private networks or cloud metadata endpoints (SSRF). The check runs inside the connection's own DNS lookup,
 * so a name that resolves to a public address when set and a private one when used is refused then. An
 * operator may allow private targets (a SOC webhook on the same LAN).
 */
import { lookup as dnsLookup } from 'node:dns'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { WebhookError } from './webhook-error.ts'

export const MAX_WEBHOOK_URL_LENGTH = 2048

// IANA special-purpose registries: everything that is not the public internet
const V4: Array<[string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]
]
const V6: Array<[string, number]> = [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]
]
const blocked = new BlockList()
for (const [net, prefix] of V4) blocked.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of V6) blocked.addSubnet(net, prefix, 'ipv6')

/** true for a public unicast address; an IPv4-mapped IPv6 address is judged as its IPv4 address */
export function isPublicAddress (address: string): boolean {
  const family = isIP(address)
  if (family === 0) return false
  return !blocked.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** The URL parsed and held to the rules that need no lookup; WebhookError BAD_URL or PRIVATE_TARGET. */
export function parseWebhookUrl (text: unknown, allowPrivate: boolean): URL {
  if (typeof text !== 'string' || text.length > MAX_WEBHOOK_URL_LENGTH) throw new WebhookError('BAD_URL', `a webhook is a URL of at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new WebhookError('BAD_URL', 'the webhook is no URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookError('BAD_URL', 'a webhook is an http or https URL')
  if (url.username !== '' || url.password !== '') throw new WebhookError('BAD_URL', 'a webhook URL carries no credentials')
  const literal = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!allowPrivate && isIP(literal) !== 0 && !isPublicAddress(literal)) throw new WebhookError('PRIVATE_TARGET', `${url.hostname} is no public address`)
  const name = literal.toLowerCase().replace(/\.$/, '')
  if (!allowPrivate && (name === 'localhost' || name.endsWith('.localhost'))) throw new WebhookError('PRIVATE_TARGET', `${url.hostname} is loopback`)
  return url
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** A `lookup` for http.request that refuses a name resolving to any non-public address (unless allowed). */
export function guardedLookup (allowPrivate: boolean): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) { callback(err, []); return }
      const refused = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address))
      if (refused !== undefined) { callback(new WebhookError('PRIVATE_TARGET', `${hostname} resolves to ${refused.address}, no public address`), []); return }
      if (addresses.length === 0) { callback(new WebhookError('UNRESOLVED', `${hostname} does not resolve`), []); return }
      if (options.all === true) callback(null, addresses)
      else callback(null, (addresses[0] as LookupAddress).address, (addresses[0] as LookupAddress).family)
    })
  }
}

/** Resolves the URL's host now, as a connection would (WebhookError PRIVATE_TARGET or UNRESOLVED): early feedback for the vendor. */
export async function checkWebhookTarget (url: URL, allowPrivate: boolean): Promise<void> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (isIP(host) !== 0) return
  await new Promise<void>((resolve, reject) => {
    guardedLookup(allowPrivate)(host, { all: true }, (err) => {
      if (err === null) resolve()
      else reject(err instanceof WebhookError ? err : new WebhookError('UNRESOLVED', `${host} does not resolve`))
    })
  })
}
