// DNS-rebinding and cross-site defence for the loopback guard service. A web page can make the
// browser send requests to 127.0.0.1 (by rebinding its own name to it, or with a form post), so
// the service answers only when the Host header names loopback and the Origin, if any, is
// loopback itself or one of the extension's origins. Pure.

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** why a request is refused, or undefined when it may be served */
export function refuseNonLoopback (headers: { host?: string | undefined, origin?: string | string[] | undefined }, port: number, extensionOrigins: ReadonlySet<string>): string | undefined {
  const host = headers.host
  if (typeof host !== 'string' || host.length > 300) return 'no Host header'
  const m = /^(\[[^\]]*\]|[^:]+)(?::(\d{1,5}))?$/.exec(host.toLowerCase())
  if (m === null || !LOOPBACK_HOSTS.has(m[1] as string) || (m[2] !== undefined && Number(m[2]) !== port)) return 'the Host header is not this loopback service'
  const origin = headers.origin
  if (origin === undefined) return undefined
  if (typeof origin !== 'string' || origin.length > 300) return 'a malformed Origin header'
  if (extensionOrigins.has(origin)) return undefined
  if (!URL.canParse(origin)) return 'a malformed Origin header'
  const url = new URL(origin)
  const loopback = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && Number(url.port || 80) === port
  return loopback ? undefined : 'requests from web pages are refused; only the extension may ask'
}
