// The network mirror end to end without a devnet: real signed reports (the light-client test
// helpers) stored in a real level database, served by the real API route, pulled by the guard's
// mirror and verified by the light client against an in-memory chain. A relabelled and a forged
// report are dropped and counted; the guard then blocks what the network verified.
import { writeFile } from 'node:fs/promises'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import tap from 'tap'
import { pino } from 'pino'
import { Wallet } from 'ethers'
import type { IndicatorKind, Report } from '#protocol/index.ts'
import { createApiServer } from '../../src/api/server.ts'
import { openDatabase, ReportRepository } from '../../src/db/index.ts'
import { createGuard, emptyStore, loadStore, saveStore, storeEntry } from '../../src/guard/index.ts'
import { createGuardMirror } from '../../src/guard/mirror.ts'
import { createGuardMetrics } from '../../src/guard/service/guard-metrics.ts'
import { createChainReader } from '../../src/light-client/index.ts'
import { createMaliciousFeed } from '../../src/supernode/malicious-feed.ts'
import { CHAIN_ID, finalReport, MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'
import { memoryChain } from '../fixtures/memory-chain.ts'
import { createMemoryIndicators, signedIndicator } from '../fixtures/memory-indicators.ts'

const USER = new Wallet(`0x${'5'.repeat(64)}`)
const DRAINER = '0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef'
const SCRIPT = 'ab'.repeat(32)
const ind = createMemoryIndicators()

/** a report as the members would produce it on the indicator, malicious by default; each a few ms after the last, so the feed's order is the order made */
async function report (kind: IndicatorKind, subject: string, malicious = true): Promise<Report> {
  await new Promise(resolve => setTimeout(resolve, 3))
  const s = await signedIndicator(kind, subject, USER)
  const { analysisId } = await ind.port.submitIndicator({ kind, subject, context: '', ...s })
  const r = malicious
    ? await ind.complete(analysisId)
    : await finalReport((await ind.complete(analysisId)).job, { results: () => [{ engine: 'VirusMap-URL', engineVersion: '1.0.0', engineUpdate: '20261123', category: 'undetected', result: '', method: 'heuristic' }] })
  return r
}

const noPorts = {
  submitter: { submitFile: async () => { throw Object.assign(new Error('no uploads here'), { code: 'UNAVAILABLE' }) } },
  analyses: { getAnalysis: async () => undefined },
  files: { getFile: async () => undefined }
}
const json = (body: unknown, status = 200) => (res: ServerResponse): void => { res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)) }
const chain = createChainReader(memoryChain(MEMBERS.map((m) => m.address)))
const expected = { chainId: CHAIN_ID, registry: REGISTRY }
/** a stored mirror binding with these cursors */
const cursorsOf = (cursors: unknown): unknown => ({ chainId: 1, registry: REGISTRY, cursors })

tap.test('the feed lists malicious wallets, domains and scripts, paged; the mirror verifies each', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const reports = new ReportRepository(db)
  const wallet = await report('wallet', `eip155:1:${DRAINER}`)
  const domain = await report('domain', 'drainer.example')
  const url = await report('url', 'http://drainer.example/claim')
  const benign = await report('domain', 'fine.example', false)
  const script = await report('script', SCRIPT)
  // a lying node flips a benign verdict to malicious
  const other = await report('domain', 'shop.example', false)
  const forged: Report = {
    ...other,
    stats: { ...other.stats, malicious: 1, undetected: 0 },
    verdicts: other.verdicts.map(v => ({ ...v, verdict: { ...v.verdict, results: v.verdict.results.map(r => ({ ...r, category: 'malicious' as const, result: 'phishing' })) } }))
  }
  for (const r of [wallet, domain, url, benign, script, forged]) await reports.put(r)
  const api = createApiServer({ ports: { ...noPorts, malicious: createMaliciousFeed(reports, 'node-a') }, logger: pino({ level: 'silent' }), maxUploadBytes: 1024 })
  await api.start()
  t.teardown(() => api.stop())

  // the route: paged by cursor, bounded, malicious wallet/domain/script only
  const get = async (query: string): Promise<{ status: number, json: any }> => {
    const res = await fetch(`${api.url}/api/virusmap/malicious${query}`)
    return { status: res.status, json: await res.json() }
  }
  const first = await get('?limit=2')
  t.same(first.json.data.map((d: any) => d.id), [`wallet:eip155:1:${DRAINER}`, 'domain:drainer.example'])
  t.equal(first.json.meta.more, true)
  const second = await get(`?limit=2&cursor=${first.json.meta.cursor}`)
  t.same(second.json.data.map((d: any) => d.id), ['script:' + SCRIPT, 'domain:shop.example'], 'the url and the benign domain are not listed; the forged report is (the node only stores)')
  const last = await get(`?limit=2&cursor=${second.json.meta.cursor}`)
  t.same(last.json.data, [])
  t.equal(last.json.meta.more, false)
  t.equal(last.json.meta.cursor, second.json.meta.cursor, 'the cursor stays where the feed ends')
  const hostile = ['?limit=-1', '?limit=1e2', '?limit=+5', '?limit=%205', '?limit=1&limit=2', `?cursor=${'1'.repeat(10_000)}`, `?cursor=1-0x${'ab'.repeat(32)}%00`, `?cursor=1-0x${'ab'.repeat(31)}%C3%A9%C3%A9`, '?cursor=']
  const issued = String(first.json.meta.cursor)
  t.match(issued, /^[0-9a-f]{16}\.[0-9]{1,15}-0x[0-9a-f]{64}$/, 'a cursor names the node that issued it')
  const [issuer, position] = issued.split('.') as [string, string]
  const unbound = [`?cursor=${position}`, `?cursor=${issuer.toUpperCase()}.${position}`, `?cursor=${issuer}.${position.replace('-0x', '-0X')}`, `?cursor=${issuer}..${position}`, `?cursor=${issuer}.${'9'.repeat(16)}-${position.split('-')[1]}`]
  for (const bad of ['?limit=0', '?limit=101', '?limit=abc', '?cursor=nope', `?cursor=1-0x${'AB'.repeat(32)}`, `?cursor=${'9'.repeat(16)}-0x${'ab'.repeat(32)}`, '?cursor=1&cursor=2', ...hostile, ...unbound]) {
    const a = await get(bad)
    t.equal(a.status, 400, bad)
    t.equal(a.json.error.code, 'InvalidArgumentError', bad)
  }

  // another node over the same reports refuses this node's cursor: a position in one node's store is none in another's
  const nodeB = createApiServer({ ports: { ...noPorts, malicious: createMaliciousFeed(reports, 'node-b') }, logger: pino({ level: 'silent' }), maxUploadBytes: 1024 })
  await nodeB.start()
  t.teardown(() => nodeB.stop())
  const replayed = await fetch(`${nodeB.url}/api/virusmap/malicious?cursor=${issued}`)
  t.equal(replayed.status, 400)
  t.match(await replayed.json(), { error: { code: 'InvalidArgumentError', message: /another node/ } })
  t.notMatch(String((await (await fetch(`${nodeB.url}/api/virusmap/malicious?limit=2`)).json()).meta.cursor), new RegExp(`^${issuer}`), 'node B issues its own')

  const openapi = await (await fetch(`${api.url}/api/openapi.json`)).json() as { paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> }
  t.same(openapi.paths['/api/virusmap/malicious']?.get?.parameters?.map(p => p.name), ['cursor', 'limit'], 'documented in the OpenAPI document')

  // the mirror: verified subjects in, the forged report dropped
  const store = emptyStore()
  let saved = 0
  const mirror = createGuardMirror({ url: api.url, chain, expected, store, onChange: async () => { saved++ } })
  const pulled = await mirror.pull()
  t.equal(pulled.added, 3)
  t.same(pulled.dropped, { malformed: 0, unverified: 1, 'wrong-deployment': 0, 'not-malicious': 0, 'unsupported-kind': 0 })
  t.same([...store.malicious.addresses], [`eip155:1:${DRAINER}`], 'a wallet subject stays bound to its chain')
  t.same([...store.malicious.domains], ['drainer.example'])
  t.same([...store.malicious.scriptHashes], [SCRIPT])
  t.same(store.mirror, { chainId: CHAIN_ID, registry: REGISTRY, cursors: { [api.url]: second.json.meta.cursor } }, 'the store is bound to the deployment the mirror verified against, the cursor to the node')
  t.equal(saved, 1)

  // later reports, including the relabelled one, come with the next pull only
  // and relabels a real report onto a bank's domain
  const phish = await report('domain', 'bank-login.example')
  const relabelled: Report = { ...phish, job: { ...phish.job, job: { ...phish.job.job, subject: 'bank.example' } } }
  await reports.put(relabelled)
  const later = await report('domain', 'later.example')
  await reports.put(later)
  const again = await mirror.pull()
  t.equal(again.added, 1)
  t.equal(again.dropped.unverified, 1, 'the relabelled report')
  t.notOk(store.malicious.domains.has('bank.example'))
  t.ok(store.malicious.domains.has('later.example'))
  t.same(mirror.totals.dropped.unverified, 2)
  const metrics = await createGuardMetrics(store, mirror).registry.metrics()
  t.match(metrics, /virusmap_guard_mirror_rejections_total\{reason="unverified"\} 2\n/)
  t.match(metrics, /virusmap_guard_mirror_added_total 4\n/)
  t.match(metrics, /virusmap_guard_malicious_subjects\{kind="domain"\} 2\n/)

  // the guard reads the same store
  const guard = createGuard({ rpc: 'http://127.0.0.1:9', malicious: store.malicious })
  t.equal(guard.checkPage({ origin: 'https://app.drainer.example' }).decision, 'block')
  t.equal(guard.checkPage({ origin: 'https://bank.example' }).decision, 'allow')
  await guard.stop()
})

tap.test('a hostile feed: errors, garbage entries and oversize pages never reach the lists', async (t) => {
  let answer: (res: ServerResponse) => void = json({ data: [], meta: {} })
  const server = createServer((_req, res) => { answer(res) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => { resolve() }) }))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const store = emptyStore()
  const mirror = createGuardMirror({ url, chain, expected, store })

  answer = json({ error: { code: 'TransientError', message: 'no' } }, 503)
  await t.rejects(mirror.pull(), { code: 'RPC_FAILED' })
  answer = (res) => { res.end('not json') }
  await t.rejects(mirror.pull(), { code: 'BAD_JSON' })
  answer = json({ data: {}, meta: {} })
  await t.rejects(mirror.pull(), { code: 'BAD_TYPE' })
  answer = json({ data: [], meta: { cursor: 'x'.repeat(500) } })
  await t.rejects(mirror.pull(), { code: 'BAD_TYPE' })
  answer = (res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"data":[' + '"x",'.repeat(3_000_000) + '"x"],"meta":{}}') }
  await t.rejects(mirror.pull(), { code: 'OVERSIZE' })
  const real = await report('domain', 'evil.example')
  answer = json({
    data: [
      null, 'x', { attributes: null }, { attributes: { kind: 'domain', subject: 'a.example' } },
      { attributes: { kind: 'url', subject: 'http://a.example/', report: {} } },
      { attributes: { kind: 'wallet', subject: 'eip155:1:0x12', report: {} } },
      { attributes: { kind: 'domain', subject: 'a.example', report: { job: 'x' } } },
      { attributes: { kind: 'domain', subject: 'other.example', report: real } },
      { attributes: { kind: 'domain', subject: 'evil.example', report: real } }
    ],
    meta: { more: false }
  })
  const pulled = await mirror.pull()
  t.same(pulled.dropped, { malformed: 4, unverified: 2, 'wrong-deployment': 0, 'not-malicious': 0, 'unsupported-kind': 2 })
  t.same(pulled.problems, { QUESTION_MISMATCH: 2, WRONG_CHAIN: 1, WRONG_REGISTRY: 1, MALFORMED: 1 }, 'the relabelled entry asks another subject; the bare one names no subject, no deployment, no block')
  t.equal(pulled.added, 1, 'the real report under its own subject')
  t.same([...store.malicious.domains], ['evil.example'])
  t.same(store.mirror, { chainId: CHAIN_ID, registry: REGISTRY }, 'no cursor given, none kept')

})

tap.test('a hostile or switched feed: replayed cursors end the pull, a refused cursor starts that node over, each node keeps its own cursor', async (t) => {
  const served: Array<string | null> = []
  let answer: (res: ServerResponse, cursor: string | null) => void = (res) => { json({ data: [], meta: {} })(res) }
  const server = createServer((req, res) => {
    const cursor = new URL(req.url ?? '/', 'http://x').searchParams.get('cursor')
    served.push(cursor)
    answer(res, cursor)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => { resolve() }) }))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const store = emptyStore()
  const mirror = createGuardMirror({ url, chain, expected, store })
  const real = await report('domain', 'loop.example')
  const entry = { attributes: { kind: 'domain', subject: 'loop.example', report: real } }

  // the same page and cursor again and again, "more" every time: one page read, the second repeats, the pull ends
  answer = (res) => { json({ data: [entry], meta: { cursor: 'same', more: true } })(res) }
  const looped = await mirror.pull()
  t.equal(looped.pages, 2, 'not the 20 pages a pull may read')
  t.equal(looped.added, 1)
  t.same(served.splice(0), [null, 'same'])
  // a cycle a -> b -> a ends as soon as a comes back
  answer = (res, cursor) => { json({ data: [entry], meta: { cursor: cursor === 'a' ? 'b' : 'a', more: true } })(res) }
  const cycled = await mirror.pull()
  t.same(served.splice(0), ['same', 'a', 'b'])
  t.equal(cycled.cursor, 'a')

  // the node refuses the kept cursor (another node now answers at this address): its feed starts over, once
  answer = (res, cursor) => { (cursor === null ? json({ data: [entry], meta: { cursor: 'fresh', more: false } }) : json({ error: { code: 'InvalidArgumentError', message: 'cursor was issued by another node' } }, 400))(res) }
  const restarted = await mirror.pull()
  t.same(served.splice(0), ['a', null])
  t.equal(restarted.cursor, 'fresh')
  t.same(store.mirror?.cursors, { [url]: 'fresh' })
  // a node refusing the very cursor it just issued is broken: the pull fails, nothing loops
  answer = (res, cursor) => { (cursor === null || cursor === 'fresh' ? json({ data: [entry], meta: { cursor: cursor === null ? 'next' : 'fresh2', more: true } }) : json({ error: { code: 'InvalidArgumentError', message: 'no' } }, 400))(res) }
  store.mirror = { chainId: CHAIN_ID, registry: REGISTRY, cursors: { [url]: 'stale' } }
  await t.rejects(mirror.pull(), { code: 'RPC_FAILED' })
  t.same(served.splice(0), ['stale', null, 'next'])
  // any other 400, or a 400 to a request without a cursor, is a failure, not a restart
  answer = json({ error: { code: 'InvalidArgumentError', message: 'no' } }, 400)
  store.mirror = { chainId: CHAIN_ID, registry: REGISTRY }
  await t.rejects(mirror.pull(), { code: 'RPC_FAILED' })
  t.same(served.splice(0), [null])

  // two nodes: each keeps its own cursor, and neither is sent the other's
  const other = createServer((req, res) => { served.push(`other:${new URL(req.url ?? '/', 'http://x').searchParams.get('cursor')}`); json({ data: [], meta: { cursor: 'other-1', more: false } })(res) })
  await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { other.closeAllConnections(); other.close(() => { resolve() }) }))
  const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`
  answer = json({ data: [], meta: { cursor: 'home-1', more: false } })
  await mirror.pull()
  await createGuardMirror({ url: `${otherUrl}/`, chain, expected, store }).pull()
  await mirror.pull()
  t.same(served.splice(0), [null, 'other:null', 'home-1'])
  t.same(store.mirror?.cursors, { [url]: 'home-1', [otherUrl]: 'other-1' })
  // a feed cursor that is empty is refused like an oversize one
  answer = json({ data: [], meta: { cursor: '' } })
  await t.rejects(mirror.pull(), { code: 'BAD_TYPE' })
})

tap.test('the mirror is bound to one deployment: reports, chains and stores of another are refused', async (t) => {
  const server = createServer((_req, res) => { answer(res) })
  let answer: (res: ServerResponse) => void = json({ data: [], meta: {} })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => { resolve() }) }))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // a genuine report of the fixture deployment (chain 31337, REGISTRY)
  const real = await report('domain', 'elsewhere.example')
  answer = json({ data: [{ attributes: { kind: 'domain', subject: 'elsewhere.example', report: real } }], meta: { cursor: 'c.1-x', more: false } })
  const OTHER_REGISTRY = `0x${'12'.repeat(20)}` as const

  // trusting chain 1 (a chain that answers 1): the report verified on chain 31337 stays out
  const onOtherChain = emptyStore()
  const chain1 = createChainReader(memoryChain(MEMBERS.map((m) => m.address), { chainId: 1 }))
  const p1 = await createGuardMirror({ url, chain: chain1, expected: { chainId: 1, registry: REGISTRY }, store: onOtherChain }).pull()
  t.equal(p1.added, 0)
  t.equal(p1.dropped['wrong-deployment'], 1)
  t.same(p1.problems, { WRONG_CHAIN: 1, SUBMITTER_SIGNATURE: 1 }, 'its submitter signed under the other chain\'s domain')
  t.equal(onOtherChain.malicious.domains.size, 0)
  t.same(onOtherChain.mirror, { chainId: 1, registry: REGISTRY, cursors: { [url]: 'c.1-x' } })

  // trusting another registry on the same chain
  const onOtherRegistry = emptyStore()
  const p2 = await createGuardMirror({ url, chain, expected: { chainId: CHAIN_ID, registry: OTHER_REGISTRY }, store: onOtherRegistry }).pull()
  t.equal(p2.dropped['wrong-deployment'], 1)
  t.match(p2.problems, { WRONG_REGISTRY: 1 })
  t.equal(onOtherRegistry.malicious.domains.size, 0)

  // the same report, trusted deployment: in
  const home = emptyStore()
  t.equal((await createGuardMirror({ url, chain, expected, store: home }).pull()).added, 1)

  // a chain that answers another id than trusted: the pull refuses before judging any report
  const store = emptyStore()
  await t.rejects(createGuardMirror({ url, chain: chain1, expected, store }).pull(), { code: 'WRONG_DEPLOYMENT' })
  t.equal(store.mirror, undefined, 'not bound by a refused pull')

  // a store bound to one deployment refuses a mirror of another, at creation and upper case registry alike
  t.throws(() => createGuardMirror({ url, chain: chain1, expected: { chainId: 1, registry: REGISTRY }, store: home }), { code: 'WRONG_DEPLOYMENT' })
  t.throws(() => createGuardMirror({ url, chain, expected: { chainId: CHAIN_ID, registry: OTHER_REGISTRY }, store: home }), { code: 'WRONG_DEPLOYMENT' })
  t.doesNotThrow(() => createGuardMirror({ url, chain, expected: { chainId: CHAIN_ID, registry: REGISTRY.toUpperCase().replace('0X', '0x') as typeof REGISTRY }, store: home }))

  // the binding survives the store file; malformed bindings are refused
  const file = `${t.testdir()}/guard.json`
  await saveStore(file, home)
  t.same((await loadStore(file)).mirror, home.mirror)
  const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, n) => [`http://127.0.0.1:${8000 + n}`, 'c']))
  for (const mirror of [5, { registry: REGISTRY }, { chainId: 0, registry: REGISTRY }, { chainId: 1.5, registry: REGISTRY }, { chainId: 1, registry: REGISTRY.toUpperCase() },
    cursorsOf('c'), cursorsOf(['c']), cursorsOf(null), cursorsOf({ [url]: 'x'.repeat(201) }), cursorsOf({ [url]: 7 }), cursorsOf({ [url]: '' }), cursorsOf({ 'ftp://x': 'c' }), cursorsOf(JSON.parse('{"__proto__":"c"}')), cursorsOf({ [`${url}/path`]: 'c' }), cursorsOf(tooMany)]) {
    await writeFile(file, JSON.stringify({ version: 1, mirror }))
    await t.rejects(loadStore(file), { code: 'BAD_STORE' }, JSON.stringify(mirror).slice(0, 60))
  }
  // a store from before the binding: its bare cursor is ignored, the mirror starts over
  await writeFile(file, JSON.stringify({ version: 1, mirrorCursor: '1-x' }))
  t.equal((await loadStore(file)).mirror, undefined)
  // the user may list a wallet on one chain (CAIP-10, as the network does) or bare, on every chain
  t.equal(storeEntry('malicious-address', ` eip155:1:${DRAINER.toUpperCase().replace('0X', '0x')} `), `eip155:1:${DRAINER}`)
  t.equal(storeEntry('malicious-address', DRAINER), DRAINER)
  for (const bad of [`eip155:01:${DRAINER}`, `eip155:0:${DRAINER}`, `eip155:${'9'.repeat(16)}:${DRAINER}`, `eip155::${DRAINER}`, `cosmos:1:${DRAINER}`, `eip155:1:${DRAINER}:x`, `eip155:1:0x12`, `eip155: 1:${DRAINER}`, `eip155:1:\n${DRAINER}`]) {
    t.throws(() => storeEntry('malicious-address', bad), { code: 'BAD_STORE' }, bad)
  }
  t.throws(() => storeEntry('recipient', `eip155:1:${DRAINER}`), { code: 'BAD_STORE' }, 'a past recipient is an address')
  // nor does a cursor kept before cursors were per node: whose it was is unknown
  await writeFile(file, JSON.stringify({ version: 1, mirror: { chainId: 1, registry: REGISTRY, cursor: '1-x' } }))
  t.same((await loadStore(file)).mirror, { chainId: 1, registry: REGISTRY })
})
