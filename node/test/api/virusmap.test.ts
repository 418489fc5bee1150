import t from 'tap'
import { pino } from 'pino'
import { createApiServer } from '../../src/api/index.ts'
import type { NetworkReader } from '../../src/api/ports/index.ts'
import { enginesFromMetadataURI } from '../../src/api/routes/virusmap.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { CHAIN_ID, MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'
import { governorArtifact, vmtArtifact } from '#governance/artifacts.ts'
import type { Hex } from '#protocol/messages.ts'
import { raw } from '../fixtures/raw-http.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'

const FOLLOWED = 40
const network: NetworkReader = {
  info: () => ({
    chainId: CHAIN_ID,
    registry: REGISTRY,
    self: MEMBERS[0]?.address as Hex,
    followedBlock: FOLLOWED,
    members: MEMBERS.map((m, i) => ({ operator: m.address, peerId: `12D3KooPeer${i}`, metadataURI: `virusmap:engines=YARA,ClamAV;node=${i}` }))
  }),
  membersAt: (block) => block > FOLLOWED ? undefined : MEMBERS.slice(0, block > 10 ? 4 : 2).map((m) => ({ operator: m.address, peerId: '', metadataURI: '' })),
  recentReports: async (limit) => Array.from({ length: Math.min(limit, 3) }, (_, i) => ({
    jobId: `0x${String(i).repeat(64)}` as Hex,
    sha256: `0x${'ab'.repeat(32)}` as Hex,
    date: 1_800_000_000_000 - i * 1000,
    size: 68,
    fileType: 'text',
    stats: { malicious: 1, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 },
    memberCount: 4,
    verdictCount: 3
  }))
}

t.test('engines from a registry metadata URI', async (st) => {
  st.same(enginesFromMetadataURI('virusmap:engines=YARA;node=0'), ['YARA'])
  st.same(enginesFromMetadataURI('virusmap:node=1;engines=YARA, ClamAV ,YARA'), ['YARA', 'ClamAV'])
  st.same(enginesFromMetadataURI('ipfs://bafy'), [])
  st.same(enginesFromMetadataURI('virusmap:engines=<script>,ok-1'), ['ok-1'], 'names that are not plain engine names are dropped')
  st.same(enginesFromMetadataURI('virusmap:engines='), [])
  st.equal(enginesFromMetadataURI(`virusmap:engines=${Array.from({ length: 100 }, (_, i) => `e${i}`).join(',')}`).length, 32)
})

t.test('network, members at a block and recent reports', async (st) => {
  const server = await startApi(t, { ...createMemoryNode().ports, network })
  const net = await (await fetch(`${server.url}/api/virusmap/network`)).json() as { data: { type: string, attributes: { members: Array<{ engines: string[], peer_id: string }>, chain_id: number, followed_block: number } } }
  st.equal(net.data.type, 'network')
  st.equal(net.data.attributes.chain_id, CHAIN_ID)
  st.equal(net.data.attributes.followed_block, FOLLOWED)
  st.equal(net.data.attributes.members.length, 4)
  st.same(net.data.attributes.members[0]?.engines, ['YARA', 'ClamAV'])

  const at = await (await fetch(`${server.url}/api/virusmap/members/7`)).json() as { data: { id: string, attributes: { block: number, members: unknown[] } } }
  st.equal(at.data.id, '7')
  st.equal(at.data.attributes.members.length, 2)
  await expectVtError(st, await fetch(`${server.url}/api/virusmap/members/41`), 404, 'NotFoundError')
  for (const bad of ['-1', '1.5', 'abc', '0x10', '9'.repeat(16), '%00', '1e3']) {
    await expectVtError(st, await fetch(`${server.url}/api/virusmap/members/${bad}`), 400, 'InvalidArgumentError')
  }

  const recent = await (await fetch(`${server.url}/api/virusmap/reports?limit=2`)).json() as { data: Array<{ type: string, attributes: { sha256: string, date: number, stats: Record<string, number>, type_tag: string } }> }
  st.equal(recent.data.length, 2)
  st.equal(recent.data[0]?.type, 'report')
  st.equal(recent.data[0]?.attributes.sha256, 'ab'.repeat(32))
  st.equal(recent.data[0]?.attributes.date, 1_800_000_000)
  st.equal(recent.data[0]?.attributes.stats['confirmed-timeout'], 0)
  st.equal(recent.data[0]?.attributes.type_tag, 'text')
  st.equal(((await (await fetch(`${server.url}/api/virusmap/reports`)).json()) as { data: unknown[] }).data.length, 3)
  for (const bad of ['0', '101', '-1', 'x', '1&limit=2', '', '1000']) {
    await expectVtError(st, await fetch(`${server.url}/api/virusmap/reports?limit=${bad}`), 400, 'InvalidArgumentError')
  }
})

/** the network view, suggesting `suggested` as the deployment to pin */
const suggesting = (suggested: ReturnType<NetworkReader['info']>['suggested']): NetworkReader => ({ ...network, info: () => ({ ...network.info(), suggested }) })

t.test('the deployment a node suggests: its RPC, NetworkParameters, ReportAnchors, Governor and RewardsDistributor, each only when it has one', async (st) => {
  const governor = `0x${'6a'.repeat(20)}` as Hex
  const parameters = `0x${'7b'.repeat(20)}` as Hex
  const anchors = `0x${'8c'.repeat(20)}` as Hex
  const rewards = `0x${'9d'.repeat(20)}` as Hex
  const full = await startApi(t, { ...createMemoryNode().ports, network: suggesting({ rpcUrl: 'http://127.0.0.1:8545', parameters, anchors, governor, rewards }) })
  const a = ((await (await fetch(`${full.url}/api/virusmap/network`)).json()) as { data: { attributes: Record<string, unknown> } }).data.attributes
  st.match(a, { rpc_url: 'http://127.0.0.1:8545', parameters, anchors, governor, rewards }, 'ReportAnchors and RewardsDistributor too, so the page checks anchors and rewards without asking the user')
  const bare = await startApi(t, { ...createMemoryNode().ports, network: suggesting({ rpcUrl: 'http://127.0.0.1:8545' }) })
  const b = ((await (await fetch(`${bare.url}/api/virusmap/network`)).json()) as { data: { attributes: Record<string, unknown> } }).data.attributes
  st.notOk('governor' in b || 'parameters' in b || 'anchors' in b || 'rewards' in b, 'nothing is invented')
})

t.test('the contracts\' ABIs the page encodes its wallet transactions from: the artifacts\' own, and only those five', async (st) => {
  const server = await startApi(t, createMemoryNode().ports)
  for (const [name, artifact] of [['VirusMapGovernor', governorArtifact], ['VMT', vmtArtifact]] as const) {
    const res = await fetch(`${server.url}/web/abi/${name}.json`)
    st.equal(res.status, 200)
    st.match(res.headers.get('content-type'), /application\/json/)
    st.match(res.headers.get('content-security-policy'), /default-src 'none'/)
    st.same(await res.json(), artifact.abi, `${name}: the artifact's abi array, nothing else`)
  }
  for (const name of ['SupernodeRegistry.json', 'TimelockController.json', 'RewardsDistributor.json']) st.equal((await fetch(`${server.url}/web/abi/${name}`)).status, 200, name)
  for (const path of ['VestingWallet.json', 'VMT', '..%2F..%2Fpackage.json', '..%2Fscripts%2Fbuild.ts', '__proto__', 'constructor', 'vmt.json', `${'A'.repeat(4000)}.json`]) {
    await expectVtError(st, await fetch(`${server.url}/web/abi/${path}`), 404, 'NotFoundError')
  }
  for (const path of ['/web/wallet.js', '/web/wallet-card.js', '/web/gov-actions.js', '/web/governance.js', '/web/abi-codec.js', '/web/rewards-reads.js', '/web/rewards-card.js']) {
    const res = await fetch(`${server.url}${path}`)
    st.equal(res.status, 200, path)
    st.match(res.headers.get('content-type'), /javascript/, path)
  }
  await expectVtError(st, await fetch(`${server.url}/web/abi-codec.d.ts`), 404, 'NotFoundError')
  await expectVtError(st, await fetch(`${server.url}/web/abi/${'A'.repeat(5000)}.json`), 414, 'BadRequestError')
})

t.test('a node without a network view answers 503 TransientError', async (st) => {
  const server = await startApi(t, createMemoryNode().ports)
  for (const path of ['network', 'members/1', 'reports']) {
    await expectVtError(st, await fetch(`${server.url}/api/virusmap/${path}`), 503, 'TransientError')
  }
})

t.test('the web page and its assets, with a strict CSP; nothing else is reachable', async (st) => {
  const server = await startApi(t, { ...createMemoryNode().ports, network })
  const page = await fetch(`${server.url}/`)
  st.equal(page.status, 200)
  st.match(page.headers.get('content-type'), /text\/html/)
  st.match(page.headers.get('content-security-policy'), /script-src 'self'/)
  st.equal(page.headers.get('x-content-type-options'), 'nosniff')
  st.match(await page.text(), /<script type="module" src="\/web\/app.js">/)
  for (const [path, type] of [['/web/app.js', /javascript/], ['/web/verify.js', /javascript/], ['/web/style.css', /text\/css/], ['/web/vendor/noble-curves/abstract/weierstrass.js', /javascript/]] as const) {
    const res = await fetch(`${server.url}${path}`)
    st.equal(res.status, 200, path)
    st.match(res.headers.get('content-type'), type, path)
  }
  // what the page's report checks import, resolved as the browser resolves it (the protocol's own job-age.js and anchor-leaf.js among them)
  for (const module of ['/web/verify.js', '/web/chain-reads.js', '/web/verify-badge.js', '/web/anchor-proof.js']) {
    const text = await (await fetch(`${server.url}${module}`)).text()
    for (const [, specifier] of text.matchAll(/^import [^'"]+ from '([^']+)'/gm)) {
      const url = new URL(specifier as string, `${server.url}${module}`)
      const res = await fetch(url)
      st.equal(res.status, 200, `${module} imports ${url.pathname}`)
      st.match(res.headers.get('content-type'), /javascript/, url.pathname)
    }
  }
  const curves = await (await fetch(`${server.url}/web/vendor/noble-curves/secp256k1.js`)).text()
  st.notMatch(curves, /from\s+['"]@noble\//, 'bare imports are rewritten for the browser')
  st.match(curves, /from ['"]\/web\/vendor\/noble-hashes\/sha2\.js['"]/)
  st.equal((await fetch(`${server.url}/favicon.ico`)).status, 204)
  for (const path of ['/web/index.html', '/web/verify.d.ts', '/web/..%2F..%2Fpackage.json', '/web/vendor/noble-curves/..%2F..%2F..%2Fpackage.json',
    '/web/vendor/noble-curves/package.json', '/web/vendor/other/x.js', '/web/vendor/noble-hashes/nope.js', '/web/vendor/noble-hashes/a/b/c.js', '/web/__proto__', '/web/constructor',
    '/protocol/src/job-age.d.ts', '/protocol/src/index.ts', '/protocol/src/validation.ts']) {
    await expectVtError(st, await fetch(`${server.url}${path}`), 404, 'NotFoundError')
  }
  // a raw request with a dot-dot path, which fetch would normalise away
  const answer = await raw(server.url, 'GET /web/../../package.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  st.match(answer, /^HTTP\/1\.1 404/)
  st.notMatch(answer, /"devDependencies"/)
})

t.test('OpenAPI document and docs page', async (st) => {
  const server = await startApi(t, { ...createMemoryNode().ports, network })
  const doc = await (await fetch(`${server.url}/api/openapi.json`)).json() as { openapi: string, paths: Record<string, unknown> }
  st.equal(doc.openapi, '3.1.0')
  for (const path of ['/api/v3/files', '/api/v3/files/{id}', '/api/v3/analyses/{id}', '/api/virusmap/network', '/api/virusmap/members/{block}', '/api/virusmap/reports', '/metrics']) {
    st.ok(doc.paths[path], path)
  }
  const docs = await fetch(`${server.url}/docs`)
  st.equal(docs.status, 200)
  st.match(docs.headers.get('content-type'), /text\/html/)
  const html = await docs.text()
  st.match(html, /\/api\/v3\/files\/\{id\}/)
  st.match(html, /QuotaExceededError/)
})

t.test('request metrics use route patterns, so labels stay bounded', async (st) => {
  const server = await startApi(t, {
    ...createMemoryNode().ports,
    network,
    status: { health: () => ({}), metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '' }) }
  })
  for (let i = 0; i < 5; i++) {
    await (await fetch(`${server.url}/api/v3/files/${String(i).repeat(64)}`)).arrayBuffer()
    await (await fetch(`${server.url}/no/such/path/${i}`)).arrayBuffer()
  }
  const text = await (await fetch(`${server.url}/metrics`)).text()
  st.match(text, /virusmap_api_requests_total\{route="\/api\/v3\/files\/:id",method="GET",status="404"\} 5/)
  st.match(text, /virusmap_api_requests_total\{route="unmatched",method="GET",status="404"\} 5/)
  st.notMatch(text, /no\/such\/path/, 'no URL in any label')
  st.notMatch(text, /0000000000/, 'no id in any label')
  st.match(text, /virusmap_api_request_duration_seconds_count\{route="\/api\/v3\/files\/:id"\} 5/)
})

t.test('huge headers and odd methods on the new routes get a clean answer', async (st) => {
  const server = await startApi(t, { ...createMemoryNode().ports, network })
  const huge = await raw(server.url, `GET /api/virusmap/network HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`)
  st.match(huge, /^HTTP\/1\.1 431/)
  await expectVtError(st, await fetch(`${server.url}/api/virusmap/network`, { method: 'POST', body: '{}' }), 404, 'NotFoundError')
  await expectVtError(st, await fetch(`${server.url}/api/virusmap/reports?limit=${'9'.repeat(5000)}`), 400, 'InvalidArgumentError')
  const long = await fetch(`${server.url}/api/virusmap/members/${'9'.repeat(5000)}`)
  st.equal(long.status, 414, 'an over-long id is refused by the router')
  st.equal(((await long.json()) as { error: { code: string } }).error.code, 'BadRequestError')
})

t.test('one structured log line per request, with the route pattern: info when refused, debug when answered', async (st) => {
  const lines: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>) } })
  const server = createApiServer({ ports: { ...createMemoryNode().ports, network }, logger, maxUploadBytes: 1024 })
  await server.start()
  st.teardown(() => server.stop())
  await (await fetch(`${server.url}/api/v3/files/${'ab'.repeat(32)}`)).arrayBuffer()
  const requests = lines.filter((l) => l.msg === 'request')
  st.equal(requests.length, 1)
  st.match(requests[0], { method: 'GET', route: '/api/v3/files/:id', status: 404, url: `/api/v3/files/${'ab'.repeat(32)}` })
  st.type(requests[0]?.ms, 'number')
  st.type(requests[0]?.reqId, 'string')
  st.equal(lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed').length, 0, 'fastify\'s own two lines are off')
  await (await fetch(`${server.url}/healthz`)).arrayBuffer()
  st.equal(lines.filter((l) => l.msg === 'request').length, 1, 'an answered request logs nothing at info')
  logger.level = 'debug'
  await (await fetch(`${server.url}/healthz`)).arrayBuffer()
  st.match(lines.filter((l) => l.msg === 'request').at(-1), { route: '/healthz', status: 200, level: 20 }, 'it is a debug line')
})
