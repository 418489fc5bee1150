/**
 * Issue 12: every HTTP route takes seeded hostile input (percent-encoded random bytes, ids at and
 * past the router's 4096-character limit, unicode, control characters, `..`, `%00`, bad percent
 * escapes, JSON with prototype keys, deep nesting, huge numbers, wrong content types, empty and
 * oversize bodies) and answers without an internal error, with a VirusTotal error object whose code
 * is one of VT_ERRORS and whose status is that code's, and without growing memory unboundedly.
 * Requests go through fastify's inject (no sockets).
 *
 * 2858 requests on each of the 37 entries of ROUTES: 105,746 in all, about 3,300 a second on a
 * busy 2-core machine (`time npx tap node/test/api/fuzz-routes.slow.test.ts`: 33 s). The full campaign,
 * 100,000 on every route (3.5 million, about 18 minutes), is the same test with
 * `VIRUSMAP_FUZZ_PER_ROUTE=100000 npx tap --timeout=3600 node/test/api/fuzz-routes.slow.test.ts`.
 */
import tap from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { pino } from 'pino'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/api/server.ts'
import { VT_ERRORS, type VtErrorCode } from '../../src/vt/errors.ts'
import type { ApiPorts, NetworkReader } from '../../src/api/ports/index.ts'
import type { GovernanceReader } from '../../src/chain/governance-reader.ts'
import { seededRandom } from '../../scripts/reputation/random.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { createMemoryIndicators } from '../fixtures/memory-indicators.ts'
import { memoryVotes } from '../fixtures/memory-votes.ts'
import { CHAIN_ID, hashes, MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'
import type { Hex } from '#protocol/messages.ts'

// a full collection before each heap reading: what the API retains, not garbage V8 has yet to collect
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const SEED = 0x5eed12
const REQUESTS_PER_ROUTE = Number(process.env.VIRUSMAP_FUZZ_PER_ROUTE ?? 2858)
/** requests in flight at once */
const BATCH = 32
const KEY = 'f0'.repeat(32)
const SAMPLE = new TextEncoder().encode('a sample the fuzzer may find by its hash\n')
const SAMPLE_SHA256 = hashes(SAMPLE).sha256.slice(2)

type Random = () => number
const int = (r: Random, n: number): number => Math.floor(r() * n)
const pick = <T>(r: Random, items: readonly T[]): T => items[int(r, items.length)] as T
const hex = (r: Random, n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(r, 16)]).join('')
const percent = (bytes: Uint8Array): string => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
const randomBytes = (r: Random, n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(r, 256))
/** code points outside the surrogates, so encodeURIComponent takes them */
const unicode = (r: Random, n: number): string => Array.from({ length: n }, () => {
  const cp = int(r, 0x10ffff - 0x800)
  return String.fromCodePoint(cp >= 0xd800 ? cp + 0x800 : cp)
}).join('')

/** A hostile path segment or query value, already in the URL's encoding. */
function hostile (r: Random): string {
  switch (int(r, 14)) {
    case 0: return percent(randomBytes(r, int(r, 80)))
    case 1: return 'a'.repeat(4090 + int(r, 12)) // around maxParamLength
    case 2: return encodeURIComponent(unicode(r, 1 + int(r, 1000)))
    case 3: return percent(Uint8Array.from({ length: 1 + int(r, 40) }, () => int(r, 32)))
    case 4: return pick(r, ['..', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%2e%2e%5c', '%00', 'a%00b', '.', '%2f', '%5c'])
    case 5: return pick(r, ['%', '%z', '%zz', '%E0%A4%A', '%C0%80', '%ED%A0%80', '%FF', '%%', '%2'])
    case 6: return pick(r, ['9'.repeat(1 + int(r, 500)), '-1', '0', '1e308', 'NaN', 'Infinity', '0x10', '1.5', ' 1', '00000000001', String(2 ** 53 + 1)])
    case 7: return hex(r, pick(r, [32, 40, 64, 63, 65, 128]))
    case 8: return `0x${hex(r, pick(r, [40, 64]))}`
    case 9: return pick(r, [SAMPLE_SHA256, SAMPLE_SHA256.toUpperCase(), `0x${SAMPLE_SHA256}`])
    case 10: return encodeURIComponent(Buffer.from(`http://${unicode(r, 3)}.example/${'x'.repeat(int(r, 3000))}`).toString('base64url'))
    case 11: return encodeURIComponent(pick(r, ['example.com', 'EXAMPLE.com.', '127.0.0.1', '::1', '[::1]', '0177.0.0.1', 'xn--', '-a-.com', '256.1.1.1', '1.2.3.4/24']))
    case 12: return encodeURIComponent(pick(r, ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']))
    default: return 'x'.repeat(4097 + int(r, 2000)) // past maxParamLength
  }
}

/** A query string: limit and cursor as VirusTotal names them, repeated, bracketed or hostile. */
function query (r: Random): string {
  const parts: string[] = []
  for (let i = int(r, 4); i > 0; i--) {
    const name = pick(r, ['limit', 'cursor', 'limit', 'cursor', 'limit[]', '__proto__', 'constructor[prototype]', 'cursor[x]', hostile(r).slice(0, 100)])
    parts.push(r() < 0.1 ? name : `${name}=${pick(r, [hostile(r), String(int(r, 50)), '', '40', '41', '1'])}`)
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`
}

/** A random JSON value with prototype keys, huge numbers and some depth. */
function jsonValue (r: Random, depth: number): unknown {
  switch (depth > 4 ? int(r, 4) : int(r, 7)) {
    case 0: return pick(r, [null, true, false, 0, -0, 1e308, -1e-308, 2 ** 64, Number.MAX_SAFE_INTEGER + 2])
    case 1: return decodeURIComponent(encodeURIComponent(unicode(r, int(r, 20))))
    case 2: return pick(r, ['vote', 'harmless', 'malicious', 'url', 'domain', 'ip', '', '__proto__'])
    case 3: return hex(r, int(r, 70))
    case 4: return Array.from({ length: int(r, 4) }, () => jsonValue(r, depth + 1))
    default: {
      const keys = ['data', 'type', 'attributes', 'verdict', 'kind', 'value', 'context', 'submitter', 'submitted_at', 'signature', '__proto__', 'constructor', 'prototype']
      return Object.fromEntries(Array.from({ length: int(r, 5) }, () => [pick(r, keys), jsonValue(r, depth + 1)]))
    }
  }
}

/** A JSON-ish body: valid VT votes, random JSON, raw prototype pollution, deep nesting, junk, nothing, too much. */
function jsonBody (r: Random): string {
  switch (int(r, 8)) {
    case 0: return JSON.stringify({ data: { type: 'vote', attributes: { verdict: pick(r, ['harmless', 'malicious', 'evil', '']) } } })
    case 1: return JSON.stringify(jsonValue(r, 0))
    case 2: return '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"data":{"type":"vote","attributes":{"verdict":"harmless"}}}'
    case 3: { const n = 1 + int(r, 30_000); return r() < 0.5 ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n) }
    case 4: return Buffer.from(randomBytes(r, int(r, 200))).toString('latin1')
    case 5: return ''
    case 6: return `{"data":${'9'.repeat(1 + int(r, 2000))}}`
    default: return JSON.stringify({ data: 'x'.repeat(64 * 1024 + int(r, 1000)) }) // past bodyLimit
  }
}

/** A form body for POST /urls: the url field hostile, repeated, signed with junk, or no form at all. */
function formBody (r: Random): string {
  const fields: string[] = []
  for (let i = int(r, 5); i > 0; i--) {
    const name = pick(r, ['url', 'url', 'submitter', 'submitted_at', 'signature', 'context', '__proto__', 'url[]', hostile(r).slice(0, 50)])
    fields.push(r() < 0.1 ? name : `${name}=${hostile(r)}`)
  }
  return r() < 0.1 ? jsonBody(r) : fields.join(pick(r, ['&', '&', ';', '&&']))
}

const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded',
  'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16',
  'application/x-www-form-urlencoded; charset=latin1', 'application/octet-stream', 'garbage', ';;;', undefined
]

interface Route {
  name: string
  method: 'GET' | 'POST'
  url: (r: Random) => string
  body?: (r: Random) => string
}

const get = (name: string, url: (r: Random) => string): Route => ({ name, method: 'GET', url })
const seg = (prefix: string, suffix = '') => (r: Random) => `${prefix}${hostile(r)}${suffix}${query(r)}`

const ROUTES: Route[] = [
  get('GET /api/v3/files/{id}', seg('/api/v3/files/')),
  get('GET /api/v3/files/{id}/download', seg('/api/v3/files/', '/download')),
  get('GET /api/v3/files/{id}/votes', seg('/api/v3/files/', '/votes')),
  ...['embedded_urls', 'embedded_domains', 'embedded_ips'].map((rel) => get(`GET /api/v3/files/{id}/${rel}`, seg('/api/v3/files/', `/${rel}`))),
  get('GET /api/v3/analyses/{id}', seg('/api/v3/analyses/')),
  get('GET /api/v3/analyses/{id}/item', seg('/api/v3/analyses/', '/item')),
  ...['urls', 'domains', 'ip_addresses'].flatMap((c) => [
    get(`GET /api/v3/${c}/{id}`, seg(`/api/v3/${c}/`)),
    get(`GET /api/v3/${c}/{id}/votes`, seg(`/api/v3/${c}/`, '/votes')),
    get(`GET /api/v3/${c}/{id}/referrer_files`, seg(`/api/v3/${c}/`, '/referrer_files'))
  ]),
  get('GET /api/v3/urls/{id}/network_location', seg('/api/v3/urls/', '/network_location')),
  get('GET /api/v3/urls/{id}/relationships/network_location', seg('/api/v3/urls/', '/relationships/network_location')),
  ...['domains', 'ip_addresses'].map((c) => get(`GET /api/v3/${c}/{id}/urls`, seg(`/api/v3/${c}/`, '/urls'))),
  get('GET /api/virusmap/members/{block}', seg('/api/virusmap/members/')),
  get('GET /api/virusmap/evidence/{member}', seg('/api/virusmap/evidence/')),
  get('GET /api/virusmap/indicators/{kind}/{value}', (r) => `/api/virusmap/indicators/${pick(r, ['url', 'domain', 'ip', 'wallet', 'script', hostile(r)])}/${hostile(r)}${query(r)}`),
  get('GET /api/virusmap/reports?limit', (r) => `/api/virusmap/reports${query(r)}`),
  get('GET /api/virusmap/rewards/{epoch}', seg('/api/virusmap/rewards/')),
  get('GET /api/virusmap/rewards/{epoch}/{address}', (r) => `/api/virusmap/rewards/${pick(r, ['0', 'latest', hostile(r)])}/${hostile(r)}${query(r)}`),
  get('GET /api/virusmap/governance/proposals?limit&cursor', (r) => `/api/virusmap/governance/proposals${query(r)}`),
  get('GET /web/{name}, /web/vendor/{pkg}/*', (r) => r() < 0.5 ? `/web/${hostile(r)}` : `/web/vendor/${pick(r, ['noble-hashes', 'noble-curves', hostile(r)])}/${hostile(r)}/${hostile(r)}`),
  { name: 'POST /api/v3/urls', method: 'POST', url: () => '/api/v3/urls', body: formBody },
  { name: 'POST /api/v3/files/{id}/analyse', method: 'POST', url: seg('/api/v3/files/', '/analyse'), body: jsonBody },
  ...['files', 'urls', 'domains', 'ip_addresses'].map((c): Route => ({ name: `POST /api/v3/${c}/{id}/votes`, method: 'POST', url: seg(`/api/v3/${c}/`, '/votes'), body: jsonBody })),
  { name: 'POST /api/virusmap/indicators', method: 'POST', url: () => '/api/virusmap/indicators', body: jsonBody },
  { name: 'POST /api/v3/files', method: 'POST', url: () => '/api/v3/files', body: formBody }
]

const network: NetworkReader = {
  info: () => ({ chainId: CHAIN_ID, registry: REGISTRY, self: MEMBERS[0]?.address as Hex, followedBlock: 40, members: [] }),
  membersAt: (block) => block > 40 ? undefined : MEMBERS.map((m) => ({ operator: m.address, peerId: '', metadataURI: '' })),
  recentReports: async () => []
}
const governance: GovernanceReader = {
  proposals: async ({ after }) => after === undefined ? { proposals: [] } : undefined,
  members: async () => []
}

/** What is wrong with one answer, or undefined when it is a success or a proper VT error. */
function problem (statusCode: number, contentType: unknown, payload: string): string | undefined {
  if (statusCode < 400) return statusCode < 200 ? `status ${statusCode}` : undefined
  if (typeof contentType !== 'string' || !contentType.startsWith('application/json')) return `${statusCode} with content type ${String(contentType)}`
  let body: unknown
  try {
    body = JSON.parse(payload)
  } catch {
    return `${statusCode} with a body that is not JSON`
  }
  const error = (body as { error?: { code?: unknown, message?: unknown } } | null)?.error
  if (body === null || typeof body !== 'object' || Object.keys(body).join() !== 'error' || error === undefined ||
    Object.keys(error).toSorted().join() !== 'code,message' || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return `${statusCode} with a body that is not a VT error object`
  }
  if (!Object.hasOwn(VT_ERRORS, error.code) || error.code === 'InternalError') return `${statusCode} ${error.code}`
  const expected = VT_ERRORS[error.code as VtErrorCode]
  // fastify's other 4xx (415 unsupported media type, 414, ...) keep their status as a BadRequestError (toVtError)
  if (statusCode !== expected && !(error.code === 'BadRequestError' && statusCode < 500)) return `${statusCode} ${error.code}`
  return undefined
}

async function fuzz (app: FastifyInstance, route: Route, r: Random): Promise<{ failures: string[], statuses: Map<number, number> }> {
  const failures: string[] = []
  const statuses = new Map<number, number>()
  for (let done = 0; done < REQUESTS_PER_ROUTE; done += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, REQUESTS_PER_ROUTE - done) }, () => {
      const url = route.url(r)
      const auth = r() < 0.95 ? KEY : pick(r, ['', 'wrong', hex(r, 64), 'x'.repeat(5000)])
      const type = route.body === undefined ? undefined : pick(r, CONTENT_TYPES)
      const headers: Record<string, string> = auth === '' ? {} : { 'x-apikey': auth }
      if (type !== undefined) headers['content-type'] = type
      return { url, headers, payload: route.body?.(r) }
    })
    const answers = await Promise.all(batch.map(async (req) => ({ req, res: await app.inject({ method: route.method, ...req }) })))
    // inject settles through promises alone: without a turn of the event loop, each request's
    // setImmediate (and the request it holds) would queue up unrun, which reads as a leak
    await new Promise((resolve) => setImmediate(resolve))
    for (const { req, res } of answers) {
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      const wrong = problem(res.statusCode, res.headers['content-type'], res.payload)
      if (wrong !== undefined && failures.length < 5) failures.push(`${wrong}: ${route.method} ${req.url.slice(0, 200)} ${req.headers['content-type'] ?? ''} ${String(req.payload).slice(0, 200)}`)
    }
  }
  return { failures, statuses }
}

tap.test('every route answers seeded hostile input with VT errors, never an internal error', async (t) => {
  const node = createMemoryNode()
  await node.addReported(SAMPLE)
  const indicators = createMemoryIndicators()
  const ports: ApiPorts = {
    ...node.ports,
    network,
    governance,
    indicators: indicators.port,
    votes: memoryVotes(),
    evidence: { byMember: async () => [], members: async () => [] },
    keys: { find: async (k) => k === KEY ? { id: 'fuzz', perMinute: 1e9, perDay: 1e9 } : undefined }
  }
  const app = buildApp({ ports, logger: pino({ level: 'silent' }), maxUploadBytes: 64 * 1024 })
  t.teardown(() => app.close())
  await app.ready()

  gc()
  const heapBefore = process.memoryUsage().heapUsed
  const r = seededRandom(SEED)
  let total = 0
  for (const route of ROUTES) {
    const { failures, statuses } = await fuzz(app, route, r)
    total += [...statuses.values()].reduce((a, b) => a + b, 0)
    t.same(failures, [], `${route.name}: ${JSON.stringify(Object.fromEntries(statuses))}`)
  }
  t.equal(total, ROUTES.length * REQUESTS_PER_ROUTE)
  gc()
  t.ok(process.memoryUsage().heapUsed - heapBefore < 50 * 1024 * 1024, `the heap kept less than 50 MB of ${total} requests`)
})
