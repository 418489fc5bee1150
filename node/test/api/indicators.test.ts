import tap from 'tap'
import type { Test } from 'tap'
import { Wallet } from 'ethers'
import { canonicalizeIndicator, vtUrlId, indicatorSha256 } from '#protocol/index.ts'
import type { Hex } from '#protocol/index.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { createMemoryIndicators, OPERATOR, signedIndicator } from '../fixtures/memory-indicators.ts'
import { memoryVotes } from '../fixtures/memory-votes.ts'
import { hashes } from '../fixtures/signed-reports.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'

const KEY = 'a1'.repeat(32)
const USER = new Wallet(`0x${'5'.repeat(64)}`)
const RAW_URL = 'http://Evil.Example.com:80/login?x=1#frag'
const CANONICAL = 'http://evil.example.com/login?x=1'
const vote = (verdict: string): string => JSON.stringify({ data: { type: 'vote', attributes: { verdict } } })
const SAMPLE = new TextEncoder().encode('a dropper that calls http://evil.example.com/login?x=1\n')

async function setup (t: Test): Promise<{ url: string, ind: ReturnType<typeof createMemoryIndicators>, get: (path: string) => Promise<Response>, post: (path: string, body: string | FormData, type?: string) => Promise<Response> }> {
  const node = createMemoryNode()
  const ind = createMemoryIndicators()
  await node.addReported(SAMPLE)
  const ports: ApiPorts = {
    ...node.ports,
    analyses: { getAnalysis: async (id) => ind.analyses.get(id) ?? await node.ports.analyses.getAnalysis(id) },
    indicators: ind.port,
    votes: memoryVotes(),
    keys: { find: async (k) => k === KEY ? { id: 'alice', perMinute: 100_000, perDay: 100_000 } : undefined }
  }
  const server = await startApi(t, ports)
  const get = async (path: string): Promise<Response> => await fetch(`${server.url}${path}`, { headers: { 'x-apikey': KEY } })
  const post = async (path: string, body: string | FormData, type?: string): Promise<Response> =>
    await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'x-apikey': KEY, ...(type === undefined ? {} : { 'content-type': type }) }, body })
  return { url: server.url, ind, get, post }
}

tap.test('POST /urls (unsigned: the operator submits; signed: the user), the analysis, GET /urls by both ids', async (t) => {
  const { ind, get, post } = await setup(t)
  const res = await post('/api/v3/urls', `url=${encodeURIComponent(RAW_URL)}`, 'application/x-www-form-urlencoded')
  t.equal(res.status, 200)
  const { data } = await res.json() as { data: { type: string, id: Hex, links: { self: string } } }
  t.equal(data.type, 'analysis')
  t.match(data.links.self, `/api/v3/analyses/${data.id}`)
  const queued = await (await get(`/api/v3/analyses/${data.id}`)).json() as { data: { attributes: { status: string }, links: { item: string } }, meta: { url_info: { url: string, id: string } } }
  t.equal(queued.data.attributes.status, 'queued')
  t.same(queued.meta.url_info, { id: indicatorSha256(CANONICAL).slice(2), url: CANONICAL })
  t.match(queued.data.links.item, `/api/v3/urls/${indicatorSha256(CANONICAL).slice(2)}`)

  // not reported yet: known by its URL id and by its sha256 (the submission's record), as the node knows it
  const early = await (await get(`/api/v3/urls/${vtUrlId(RAW_URL)}`)).json() as { data: { type: string, id: string, attributes: Record<string, unknown> } }
  t.match(early.data, { type: 'url', id: indicatorSha256(CANONICAL).slice(2), attributes: { url: CANONICAL, times_submitted: 1, last_analysis_stats: { malicious: 0 } } })
  t.same((early.data.attributes.virusmap as { submitters: string[] }).submitters, [OPERATOR.address.toLowerCase()])
  const byHash = await (await get(`/api/v3/urls/${indicatorSha256(CANONICAL).slice(2)}`)).json() as { data: { id: string, attributes: Record<string, unknown> } }
  t.match(byHash.data, { id: indicatorSha256(CANONICAL).slice(2), attributes: { url: CANONICAL, last_analysis_stats: { malicious: 0 } } })

  await ind.complete(data.id)
  for (const id of [vtUrlId(RAW_URL), vtUrlId(CANONICAL), indicatorSha256(CANONICAL).slice(2), indicatorSha256(CANONICAL).slice(2).toUpperCase()]) {
    const r = await (await get(`/api/v3/urls/${id}`)).json() as { data: { attributes: Record<string, unknown> } }
    t.match(r.data.attributes, { url: CANONICAL, last_final_url: CANONICAL, last_analysis_stats: { malicious: 1 }, last_analysis_results: { 'VirusMap-URL': { category: 'malicious', result: 'phishing' } }, reputation: 0 })
    t.type(r.data.attributes.last_analysis_date, 'number')
    t.match(r.data.attributes.virusmap, { kind: 'url', subject: CANONICAL, job_id: data.id, member_count: 4 })
  }
  const item = await (await get(`/api/v3/analyses/${data.id}/item`)).json() as { data: { type: string } }
  t.equal(item.data.type, 'url')

  // multipart, signed by the user
  const form = new FormData()
  const signed = await signedIndicator('url', 'https://phish.example.org/', USER, 'seen in a mail')
  form.set('url', 'https://PHISH.example.org')
  form.set('submitter', signed.submitter)
  form.set('submitted_at', String(signed.submittedAt))
  form.set('signature', signed.submitterSignature)
  form.set('context', 'seen in a mail')
  t.equal((await post('/api/v3/urls', form)).status, 200)
  const mine = await (await get(`/api/v3/urls/${vtUrlId('https://phish.example.org/')}`)).json() as { data: { attributes: { virusmap: { submitters: string[], context: string } } } }
  t.same(mine.data.attributes.virusmap.submitters, [USER.address.toLowerCase()])
  t.equal(mine.data.attributes.virusmap.context, 'seen in a mail')
  // the same signature over another context, another URL, a truncated signature
  form.set('context', 'edited')
  await expectVtError(t, await post('/api/v3/urls', form), 400, 'BadRequestError')
  form.set('context', 'seen in a mail')
  form.set('url', 'https://phish.example.net/')
  await expectVtError(t, await post('/api/v3/urls', form), 400, 'BadRequestError')
  form.set('signature', signed.submitterSignature.slice(0, 100))
  await expectVtError(t, await post('/api/v3/urls', form), 400, 'BadRequestError')
  const partial = new FormData()
  partial.set('url', 'https://a.example/')
  partial.set('submitter', signed.submitter)
  await expectVtError(t, await post('/api/v3/urls', partial), 400, 'BadRequestError')
})

tap.test('POST /urls refuses bad bodies with VT errors', async (t) => {
  const { post, url } = await setup(t)
  const form = 'application/x-www-form-urlencoded'
  await expectVtError(t, await post('/api/v3/urls', 'nourl=1', form), 400, 'BadRequestError')
  await expectVtError(t, await post('/api/v3/urls', 'url=', form), 400, 'BadRequestError')
  await expectVtError(t, await post('/api/v3/urls', 'url=a&url=b', form), 400, 'BadRequestError')
  await expectVtError(t, await post('/api/v3/urls', JSON.stringify({ url: 'http://x.example/' }), 'application/json'), 400, 'BadRequestError')
  await expectVtError(t, await post('/api/v3/urls', 'url=http://x.example/', 'text/plain'), 400, 'BadRequestError')
  for (const bad of ['not a url', 'gopher://x.example/', 'http://', 'http://x.example/\u0000', `http://x.example/${'a'.repeat(5000)}`, 'file:///etc/passwd']) {
    await expectVtError(t, await post('/api/v3/urls', `url=${encodeURIComponent(bad)}`, form), 400, 'InvalidArgumentError')
  }
  await expectVtError(t, await post('/api/v3/urls', `url=${'a'.repeat(20_000)}`, form), 413, 'RequestEntityTooLargeError')
  const withFile = new FormData()
  withFile.set('url', new Blob(['http://x.example/']), 'u.txt')
  await expectVtError(t, await post('/api/v3/urls', withFile), 400, 'BadRequestError')
  const long = new FormData()
  long.set('url', `http://x.example/${'a'.repeat(9000)}`)
  await expectVtError(t, await post('/api/v3/urls', long), 400, 'BadRequestError')
  await expectVtError(t, await fetch(`${url}/api/v3/urls`, { method: 'POST', headers: { 'content-type': form }, body: 'url=http://x.example/' }), 401, 'AuthenticationRequiredError')
  await expectVtError(t, await fetch(`${url}/api/v3/urls`, { method: 'POST', headers: { 'x-apikey': 'b'.repeat(64), 'content-type': form }, body: 'url=http://x.example/' }), 401, 'WrongCredentialsError')
})

tap.test('GET /urls, /domains, /ip_addresses with malformed, hostile and unknown ids', async (t) => {
  const { get } = await setup(t)
  for (const bad of ['!!!', 'a', vtUrlId('gopher://x/'), vtUrlId('http://x.example/\u0000'), 'x'.repeat(10_000), '%00', `${vtUrlId('http://x.example/')}%00`]) {
    const res = await get(`/api/v3/urls/${bad}`)
    t.ok([400, 404, 414].includes(res.status), `url id ${bad.slice(0, 20)}: ${res.status}`)
    t.match((await res.json() as { error: { code: string } }).error.code, /InvalidArgumentError|BadRequestError|NotFoundError/)
  }
  await expectVtError(t, await get(`/api/v3/urls/${vtUrlId('http://never.example/')}`), 404, 'NotFoundError')
  for (const bad of ['localhost', '1.2.3.4', 'a..b', '-a.example', 'a_b.example', '%00x.example', 'x.example%2F..', `${'a'.repeat(64)}.example`, 'a'.repeat(5000)]) {
    const res = await get(`/api/v3/domains/${bad}`)
    t.ok(res.status === 400 || res.status === 414, `domain ${bad.slice(0, 20)}: ${res.status}`)
  }
  for (const bad of ['1.2.3', '01.2.3.4', '256.1.1.1', 'example.com', 'fe80::1%25eth0', '::g']) {
    await expectVtError(t, await get(`/api/v3/ip_addresses/${bad}`), 400, 'InvalidArgumentError')
  }
  await expectVtError(t, await get('/api/v3/domains/never.example'), 404, 'NotFoundError')
  await expectVtError(t, await get('/api/v3/ip_addresses/192.0.2.1'), 404, 'NotFoundError')
})

tap.test('domains and IPs: IDN homographs are their own punycode names; seen only in a file; relationships both ways; votes per collection', async (t) => {
  const { ind, get, post } = await setup(t)
  const file = hashes(SAMPLE).sha256
  ind.relate(file, 'domain', 'evil.example.com')
  ind.relate(file, 'url', CANONICAL)
  ind.relate(file, 'ip', '192.0.2.7')
  const dom = await (await get('/api/v3/domains/EVIL.example.com.')).json() as { data: { type: string, id: string, attributes: Record<string, unknown> } }
  t.match(dom.data, { type: 'domain', id: 'evil.example.com', attributes: { times_submitted: 0, last_analysis_stats: { malicious: 0 } } })
  t.notOk('last_analysis_date' in dom.data.attributes)
  const signed = await signedIndicator('domain', 'xn--pypal-4ve.com', USER)
  t.equal((await post('/api/virusmap/indicators', JSON.stringify({ kind: 'domain', value: 'pаypal.com', submitter: signed.submitter, submitted_at: signed.submittedAt, signature: signed.submitterSignature }), 'application/json')).status, 200)
  const homograph = await (await get(`/api/v3/domains/${encodeURIComponent('pаypal.com')}`)).json() as { data: { id: string } }
  t.equal(homograph.data.id, 'xn--pypal-4ve.com')
  await expectVtError(t, await get('/api/v3/domains/paypal.com'), 404, 'NotFoundError')

  const refs = await (await get('/api/v3/domains/evil.example.com/referrer_files?limit=1')).json() as { data: Array<{ type: string, id: string }>, meta: { count: number } }
  t.same(refs.data.map((f) => [f.type, f.id]), [["file", file.slice(2)]])
  t.equal(refs.meta.count, 1)
  t.equal((await get(`/api/v3/urls/${vtUrlId(CANONICAL)}/referrer_files`)).status, 200)
  t.equal((await get('/api/v3/ip_addresses/192.0.2.7/referrer_files')).status, 200)
  for (const [rel, id] of [['embedded_domains', 'evil.example.com'], ['embedded_urls', indicatorSha256(CANONICAL).slice(2)], ['embedded_ips', '192.0.2.7']]) {
    const body = await (await get(`/api/v3/files/${file.slice(2)}/${rel}`)).json() as { data: Array<{ id: string }>, links: { self: string } }
    t.same(body.data.map((d) => d.id), [id], String(rel))
  }
  for (let i = 0; i < 3; i++) ind.relate(file, 'domain', `d${i}.example`)
  const first = await (await get(`/api/v3/files/${file.slice(2)}/embedded_domains?limit=2`)).json() as { data: Array<{ id: string }>, meta: { cursor?: string }, links: { next?: string } }
  t.equal(first.data.length, 2)
  t.type(first.meta.cursor, 'string')
  const second = await (await get(`/api/v3/files/${file.slice(2)}/embedded_domains?limit=2&cursor=${first.meta.cursor}`)).json() as { data: Array<{ id: string }>, meta: { cursor?: string } }
  t.equal(second.data.length, 2)
  t.equal(second.meta.cursor, undefined, 'the last page has no cursor')
  t.same(new Set([...first.data, ...second.data].map((d) => d.id)).size, 4)
  for (const bad of ['0', '41', 'x', '-1', '1.5']) await expectVtError(t, await get(`/api/v3/domains/evil.example.com/referrer_files?limit=${bad}`), 400, 'InvalidArgumentError')
  for (const bad of ['x', '-1', '99999']) await expectVtError(t, await get(`/api/v3/files/${file.slice(2)}/embedded_urls?cursor=${bad}`), 400, 'InvalidArgumentError')
  await expectVtError(t, await get(`/api/v3/files/${'ee'.repeat(32)}/embedded_urls`), 404, 'NotFoundError')
  await expectVtError(t, await get('/api/v3/domains/never.example/referrer_files'), 404, 'NotFoundError')

  t.equal((await post('/api/v3/domains/evil.example.com/votes', vote('malicious'), 'application/json')).status, 200)
  await expectVtError(t, await post('/api/v3/domains/EVIL.EXAMPLE.COM/votes', vote('harmless'), 'application/json'), 409, 'AlreadyExistsError')
  // the same key votes on the URL and on the file apart: objects never share a vote
  t.equal((await post(`/api/v3/urls/${vtUrlId(CANONICAL)}/votes`, vote('harmless'), 'application/json')).status, 200)
  t.equal((await post(`/api/v3/files/${file.slice(2)}/votes`, vote('harmless'), 'application/json')).status, 200)
  t.equal((await post('/api/v3/ip_addresses/192.0.2.7/votes', vote('malicious'), 'application/json')).status, 200)
  const votes = await (await get('/api/v3/domains/evil.example.com/votes')).json() as { data: Array<{ id: string }> }
  t.same(votes.data.map((v) => v.id), ['d-evil.example.com-alice'])
  const after = await (await get('/api/v3/domains/evil.example.com')).json() as { data: { attributes: { total_votes: unknown, reputation: number } } }
  t.same(after.data.attributes.total_votes, { harmless: 0, malicious: 1 })
  t.equal(after.data.attributes.reputation, -1)
  await expectVtError(t, await post('/api/v3/domains/never.example/votes', vote('malicious'), 'application/json'), 404, 'NotFoundError')
  await expectVtError(t, await post('/api/v3/domains/a..b/votes', vote('malicious'), 'application/json'), 400, 'InvalidArgumentError')
  await expectVtError(t, await post('/api/v3/ip_addresses/192.0.2.7/votes', vote('evil'), 'application/json'), 400, 'InvalidArgumentError')
})

tap.test('a URL names its network location: tld, virusmap.network_location, GET /urls/{id}/network_location and its relationship descriptor; a host lists its URLs', async (t) => {
  const { ind, get, post } = await setup(t)
  type Located = { data: { type: string, id: string, attributes?: Record<string, unknown>, links?: { self: string } } | null, links: { self: string, related?: string }, meta: { count: number } }
  const submit = async (url: string): Promise<void> => { t.equal((await post('/api/v3/urls', `url=${encodeURIComponent(url)}`, 'application/x-www-form-urlencoded')).status, 200, url) }
  const hosted = canonicalizeIndicator('url', 'https://user:pw@WWW.Host.Example.:8443/a')
  t.equal(hosted, 'https://user:pw@www.host.example.:8443/a', 'the URL keeps its userinfo and trailing dot; its host drops both')
  await submit(hosted)
  await submit('http://[2001:db8::9]:81/x')
  await submit('javascript:alert(1)')
  const url = await (await get(`/api/v3/urls/${vtUrlId(hosted)}`)).json() as { data: { attributes: Record<string, unknown> & { virusmap: Record<string, unknown> } } }
  t.equal(url.data.attributes.last_final_url, hosted)
  t.equal(url.data.attributes.tld, 'example')
  t.same(url.data.attributes.virusmap.network_location, { type: 'domain', id: 'www.host.example' })

  // the domain not known here yet: named, not embedded
  const named = await (await get(`/api/v3/urls/${vtUrlId(hosted)}/network_location`)).json() as Located
  t.match(named, { data: { type: 'domain', id: 'www.host.example' }, meta: { count: 1 } })
  t.match(named.data?.links?.self, /\/api\/v3\/domains\/www\.host\.example$/)
  t.notOk(named.data !== null && 'attributes' in named.data)
  // once submitted (as the URL's origin does), the object itself
  const signed = await signedIndicator('domain', 'www.host.example', OPERATOR, 'the host of URL x')
  const domainJob = await ind.port.submitIndicator({ kind: 'domain', subject: 'www.host.example', context: 'the host of URL x', ...signed })
  await ind.complete(domainJob.analysisId)
  const embedded = await (await get(`/api/v3/urls/${vtUrlId(hosted)}/network_location`)).json() as Located
  t.match(embedded.data, { type: 'domain', id: 'www.host.example', attributes: { tld: 'example', last_analysis_stats: { malicious: 1 }, virusmap: { context: 'the host of URL x' } } })
  const domain = await (await get('/api/v3/domains/www.host.example')).json() as { data: { attributes: Record<string, unknown> } }
  t.equal(domain.data.attributes.tld, 'example')

  // the other way: the URLs on a host
  await submit('https://www.host.example/second')
  type Urls = { data: Array<{ type: string, id: string, attributes: { url: string } }>, meta: { count: number, cursor?: string } }
  const urls = await (await get('/api/v3/domains/WWW.host.example./urls')).json() as Urls
  t.same(urls.data.map((u) => [u.type, u.attributes.url]).toSorted(), [['url', hosted], ['url', 'https://www.host.example/second']])
  const firstPage = await (await get('/api/v3/domains/www.host.example/urls?limit=1')).json() as Urls
  t.equal(firstPage.data.length, 1)
  t.equal(firstPage.meta.cursor, '1')
  t.same((await (await get('/api/v3/ip_addresses/2001:db8::9/urls')).json() as Urls).data.map((u) => u.attributes.url), ['http://[2001:db8::9]:81/x'])
  t.same((await (await get('/api/v3/domains/host.example/urls')).json() as { error: { code: string } }).error.code, 'NotFoundError', 'not the parent domain\'s')
  await expectVtError(t, await get('/api/v3/ip_addresses/192.0.2.200/urls'), 404, 'NotFoundError')
  for (const bad of ['a..b', 'localhost', '1.2.3.4', `${'a'.repeat(64)}.example`]) await expectVtError(t, await get(`/api/v3/domains/${bad}/urls`), 400, 'InvalidArgumentError')
  await expectVtError(t, await get('/api/v3/ip_addresses/01.2.3.4/urls'), 400, 'InvalidArgumentError')
  await expectVtError(t, await get('/api/v3/domains/www.host.example/urls?limit=0'), 400, 'InvalidArgumentError')

  const v6 = await (await get(`/api/v3/urls/${vtUrlId('http://[2001:db8::9]:81/x')}/relationships/network_location`)).json() as Located
  t.same(v6.data, { type: 'ip_address', id: '2001:db8::9' })
  t.match(v6.links.related, /\/api\/v3\/urls\/[^/]+\/network_location$/)
  const v6Url = await (await get(`/api/v3/urls/${vtUrlId('http://[2001:db8::9]:81/x')}`)).json() as { data: { attributes: Record<string, unknown> } }
  t.notOk('tld' in v6Url.data.attributes, 'an IP host has no tld')
  for (const path of ['network_location', 'relationships/network_location']) {
    const none = await (await get(`/api/v3/urls/${vtUrlId('javascript:alert(1)')}/${path}`)).json() as Located
    t.same([none.data, none.meta.count], [null, 0], `a URL without a host: ${path}`)
    await expectVtError(t, await get(`/api/v3/urls/${vtUrlId('http://never.example/')}/${path}`), 404, 'NotFoundError')
    await expectVtError(t, await get(`/api/v3/urls/${vtUrlId('gopher://x/')}/${path}`), 400, 'InvalidArgumentError')
    await expectVtError(t, await get(`/api/v3/urls/!!!/${path}`), 400, 'InvalidArgumentError')
  }
})

tap.test('VirusMap indicators: wallets and scripts, signature required, hostile bodies', async (t) => {
  const { get, post } = await setup(t)
  const addr = USER.address
  const signed = await signedIndicator('wallet', `eip155:1:${addr.toLowerCase()}`, USER, 'drainer')
  const body = (o: Record<string, unknown>): string => JSON.stringify({ kind: 'wallet', value: addr, context: 'drainer', submitter: signed.submitter, submitted_at: signed.submittedAt, signature: signed.submitterSignature, ...o })
  const ok = await post('/api/virusmap/indicators', body({}), 'application/json')
  t.equal(ok.status, 200)
  t.match(await ok.json(), { data: { type: 'analysis' }, meta: { kind: 'wallet', subject: `eip155:1:${addr.toLowerCase()}` } })
  for (const id of [addr, addr.toLowerCase(), `eip155:1:${addr}`]) {
    const r = await (await get(`/api/virusmap/indicators/wallet/${id}`)).json() as { data: { type: string, id: string } }
    t.match(r.data, { type: 'wallet', id: `eip155:1:${addr.toLowerCase()}` })
  }
  const badChecksum = addr.slice(0, 2) + (addr[2] === addr[2]?.toUpperCase() ? addr[2]?.toLowerCase() : addr[2]?.toUpperCase()) + addr.slice(3)
  if (badChecksum !== addr && /[a-f]/i.test(addr[2] ?? '')) await expectVtError(t, await get(`/api/virusmap/indicators/wallet/${badChecksum}`), 400, 'InvalidArgumentError')
  await expectVtError(t, await get(`/api/virusmap/indicators/wallet/eip155:5:${addr}`), 404, 'NotFoundError')
  await expectVtError(t, await get('/api/virusmap/indicators/script/abc'), 400, 'InvalidArgumentError')
  await expectVtError(t, await get('/api/virusmap/indicators/file/abc'), 400, 'InvalidArgumentError')
  await expectVtError(t, await post('/api/virusmap/indicators', body({ signature: undefined }), 'application/json'), 400, 'BadRequestError')
  await expectVtError(t, await post('/api/virusmap/indicators', body({ context: 'other' }), 'application/json'), 400, 'BadRequestError')
  await expectVtError(t, await post('/api/virusmap/indicators', body({ context: 'x'.repeat(2000) }), 'application/json'), 400, 'InvalidArgumentError')
  await expectVtError(t, await post('/api/virusmap/indicators', body({ context: 5 }), 'application/json'), 400, 'InvalidArgumentError')
  await expectVtError(t, await post('/api/virusmap/indicators', body({ submitted_at: Date.now() - 3_600_000 }), 'application/json'), 400, 'BadRequestError')
  await expectVtError(t, await post('/api/virusmap/indicators', body({ kind: 'file' }), 'application/json'), 400, 'InvalidArgumentError')
  await expectVtError(t, await post('/api/virusmap/indicators', body({ value: 42 }), 'application/json'), 400, 'BadRequestError')
  await expectVtError(t, await post('/api/virusmap/indicators', body({ value: `0x${'g'.repeat(40)}` }), 'application/json'), 400, 'InvalidArgumentError')
  for (const bad of ['null', '[]', '"x"', '{"kind":']) await expectVtError(t, await post('/api/virusmap/indicators', bad, 'application/json'), 400, 'BadRequestError')
  const script = 'ab'.repeat(32)
  const s2 = await signedIndicator('script', script, USER)
  t.equal((await post('/api/virusmap/indicators', JSON.stringify({ kind: 'script', value: script.toUpperCase(), submitter: s2.submitter, submitted_at: String(s2.submittedAt), signature: s2.submitterSignature }), 'application/json')).status, 200)
  t.match(await (await get(`/api/virusmap/indicators/script/${script}`)).json(), { data: { type: 'script', id: script } })
})
