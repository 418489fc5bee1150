// The loopback guard service as the extension meets it: JSON in, the decision and its findings
// out, pages and rebinding refused, malformed, oversize and hostile bodies answered with an error
// object, and a silent RPC answered `unverified` rather than a hang. No chain: a hanging RPC
// stands in for one that never answers.
import { request as httpRequest } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { emptyStore } from '../../src/guard/index.ts'
import { createGuardService, EXTENSION_ORIGIN, type GuardService } from '../../src/guard/service/guard-service.ts'
import { refuseNonLoopback } from '../../src/guard/service/loopback.ts'
import { startHangingRpc, type TestServer } from './fixtures/rpc-servers.ts'

const USER = '0x1111111111111111111111111111111111111111'
const FRIEND = '0xabcd000000000000000000000000000000001234'
const LOOKALIKE = '0xabcdffffffffffffffffffffffffffffffff1234'
const ERC20_TRANSFER = (to: string, amount: bigint): string => `0xa9059cbb${to.slice(2).padStart(64, '0')}${amount.toString(16).padStart(64, '0')}`

let rpc: TestServer
let service: GuardService
let dir: string

tap.before(async () => {
  rpc = await startHangingRpc()
  dir = await mkdtemp(join(tmpdir(), 'guard-service-'))
  const store = emptyStore()
  store.malicious.domains.add('drainer.example')
  store.malicious.scriptHashes.add('ab'.repeat(32))
  service = createGuardService({ rpc: rpc.url, store, storeFile: join(dir, 'guard.json'), hardLimitMs: 400, softLimitMs: 200, maxBodyBytes: 64 * 1024 })
  await service.start()
})
tap.teardown(async () => {
  await service.stop()
  await rpc.close()
  await rm(dir, { recursive: true, force: true })
})

interface Answer { status: number, json: Record<string, any> }

/** a request with the headers a browser or an attacker would set (fetch forbids Host) */
async function ask (path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(path, service.url)
  return await new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: body === undefined ? 'GET' : 'POST', headers: { host: url.host, ...body !== undefined ? { 'content-type': 'application/json' } : {}, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }) })
    })
    req.on('error', reject)
    req.end(body)
  })
}
const post = async (path: string, value: unknown, headers?: Record<string, string>): Promise<Answer> => await ask(path, JSON.stringify(value), headers)

tap.test('signatures are judged without the chain: findings carry id, level and evidence', async (t) => {
  const ethSign = await post('/v1/signature', { method: 'eth_sign', params: [USER, `0x${'12'.repeat(32)}`] })
  t.equal(ethSign.status, 200)
  t.equal(ethSign.json.decision, 'block')
  t.match(ethSign.json.findings, [{ id: 'eth-sign', level: 'block', evidence: {} }])
  const hello = await post('/v1/signature', { method: 'personal_sign', params: ['0x48656c6c6f', USER], page: { origin: 'https://app.example', gesture: true } })
  t.equal(hello.json.decision, 'allow')
  t.same(hello.json.findings, [])
  const tx = await post('/v1/signature', { method: 'eth_sendTransaction', params: [{ from: USER, to: FRIEND }] })
  t.equal(tx.status, 400, 'a transaction is not a signature request')
  t.match(tx.json, { error: { code: 'InvalidArgumentError', message: /^UNSUPPORTED_METHOD/ } })
})

tap.test('a page: listed domain (and its subdomains) and listed script hash block', async (t) => {
  const listed = await post('/v1/page', { page: { origin: 'https://claim.drainer.example', scriptHashes: [] } })
  t.equal(listed.json.decision, 'block')
  t.match(listed.json.findings, [{ id: 'malicious-domain', evidence: { match: 'drainer.example' } }])
  const script = await post('/v1/page', { page: { origin: 'https://fine.example', scriptHashes: [`0x${'AB'.repeat(32)}`] } })
  t.match(script.json.findings, [{ id: 'malicious-script', level: 'block' }])
  const clean = await post('/v1/page', { page: { origin: 'https://fine.example', scriptHashes: ['cd'.repeat(32)] } })
  t.same(clean.json, { decision: 'allow', findings: [] })
})

tap.test('the RPC never answers: unverified at the hard limit, a static block still blocks', async (t) => {
  const send = await post('/v1/transaction', { tx: { from: USER, to: FRIEND, value: '0x1' } })
  t.equal(send.status, 200)
  t.equal(send.json.decision, 'unverified')
  t.match(send.json.simulation, { status: 'unavailable', reason: /no answer within 400 ms/ })
  const listed = await post('/v1/transaction', { tx: { from: USER, to: FRIEND, value: '0x1' }, page: { origin: 'https://drainer.example' } })
  t.equal(listed.json.decision, 'block')
})

tap.test('a confirmed send records its recipients, and only those are compared for poisoning', async (t) => {
  const before = await post('/v1/transaction', { tx: { from: USER, to: LOOKALIKE, value: '0x1' } })
  t.notOk(before.json.findings.some((f: { id: string }) => f.id === 'address-poisoning'), 'no past recipient yet')
  const sent = await post('/v1/sent', { tx: { from: USER, to: `0x${'77'.repeat(20)}`, data: ERC20_TRANSFER(FRIEND, 5n) } })
  t.same(sent.json, { recorded: [FRIEND] }, 'the token transfer\'s recipient, not the token contract')
  t.ok(service.store.pastRecipients.has(FRIEND))
  const saved = JSON.parse(await readFile(join(dir, 'guard.json'), 'utf8'))
  t.same(saved.pastRecipients, [FRIEND], 'saved to the store file')
  const after = await post('/v1/transaction', { tx: { from: USER, to: LOOKALIKE, value: '0x1' } })
  t.equal(after.json.decision, 'block')
  t.match(after.json.findings, [{ id: 'address-poisoning', evidence: { recipient: LOOKALIKE, imitates: [FRIEND] } }])
  const library = await service.recordSent({ from: USER, to: LOOKALIKE, value: '0x0' })
  t.same(library, [LOOKALIKE], 'the library call records too')
  t.equal((await post('/v1/sent', { tx: 'nope' })).status, 400)
})

tap.test('connect prompts fired by script: the third warns, an ungestured signature after it blocks', async (t) => {
  const page = { origin: 'https://prompty.example', gesture: false }
  const answers = []
  for (let i = 0; i < 3; i++) answers.push(await post('/v1/connect', { method: 'eth_requestAccounts', page }))
  t.same(answers.map(a => a.json.decision), ['allow', 'allow', 'warn'])
  const sign = await post('/v1/signature', { method: 'personal_sign', params: ['0x4869', USER], page })
  t.equal(sign.json.decision, 'block')
  t.match(sign.json.findings, [{ id: 'scripted-prompts', evidence: { ungesturedConnects: 3, ungesturedSignature: true } }])
  t.equal((await post('/v1/connect', { method: 'eth_sign', page })).status, 400)
})

tap.test('DNS rebinding and web pages are refused; the extension and local tools are served', async (t) => {
  const port = Number(new URL(service.url).port)
  const body = { page: { origin: 'https://fine.example' } }
  t.equal((await post('/v1/page', body, { host: 'evil.example' })).status, 403, 'a rebound name')
  t.equal((await post('/v1/page', body, { host: `evil.example:${port}` })).status, 403)
  t.equal((await post('/v1/page', body, { host: `127.0.0.1:${port + 1}` })).status, 403, 'another port')
  const page = await post('/v1/page', body, { origin: 'https://evil.example' })
  t.equal(page.status, 403)
  t.match(page.json, { error: { code: 'ForbiddenError' } })
  t.equal((await post('/v1/page', body, { origin: 'null' })).status, 403, 'a sandboxed frame')
  t.equal((await post('/v1/page', body, { origin: EXTENSION_ORIGIN })).status, 200)
  t.equal((await post('/v1/page', body, { origin: 'chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' })).status, 403, 'another extension')
  t.equal((await post('/v1/page', body, { host: `localhost:${port}` })).status, 200)
  t.equal((await ask('/v1/health', undefined)).json.ok, true)
  // the pure check, for headers an HTTP client cannot send
  t.ok(refuseNonLoopback({}, port, new Set()))
  t.ok(refuseNonLoopback({ host: '127.0.0.1.evil.example' }, port, new Set()))
  t.ok(refuseNonLoopback({ host: `[::1]:${port}`, origin: ['a', 'b'] }, port, new Set()))
  t.equal(refuseNonLoopback({ host: `[::1]:${port}`, origin: `http://127.0.0.1:${port}` }, port, new Set()), undefined)
})

tap.test('malformed, oversize and hostile bodies get an error object, never a crash', async (t) => {
  const cases: Array<[string, string | undefined, Record<string, string>, number]> = [
    ['not JSON', '{"tx":', {}, 400],
    ['a form post', 'tx=1', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
    ['text/plain (a no-preflight cross-site post)', '{}', { 'content-type': 'text/plain' }, 415],
    ['an array', '[]', {}, 400],
    ['null', 'null', {}, 400],
    ['__proto__', '{"__proto__":{"polluted":1},"tx":{}}', {}, 400],
    ['constructor.prototype', '{"constructor":{"prototype":{"polluted":1}}}', {}, 400],
    ['oversize', JSON.stringify({ tx: { from: USER, data: `0x${'00'.repeat(40_000)}` } }), {}, 413],
    ['a string tx', '{"tx":"{}"}', {}, 400],
    ['a bad address', JSON.stringify({ tx: { from: '0x12', to: FRIEND } }), {}, 400],
    ['a negative value', JSON.stringify({ tx: { from: USER, value: '-1' } }), {}, 400],
    ['a value above uint256', JSON.stringify({ tx: { from: USER, value: `0x1${'0'.repeat(64)}` } }), {}, 400],
    ['deep nesting', `{"tx":${'['.repeat(5000)}${']'.repeat(5000)}}`, {}, 400]
  ]
  for (const [name, body, headers, status] of cases) {
    const a = await ask('/v1/transaction', body, headers)
    t.equal(a.status, status, name)
    t.type(a.json.error?.code, 'string', `${name}: an error object`)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'nothing polluted')
  const many = await post('/v1/page', { page: { origin: 'https://a.example', scriptHashes: Array(300).fill('ab'.repeat(32)) } })
  t.equal(many.status, 413)
  t.match(many.json, { error: { message: /^TOO_MANY_ITEMS/ } })
  t.equal((await post('/v1/page', { page: { scriptHashes: ['<script>'] } })).status, 400)
  t.equal((await post('/v1/page', { page: { gesture: 'yes' } })).status, 400)
  t.equal((await post('/v1/nowhere', {})).status, 404)
  t.equal((await ask('/v1/transaction', undefined)).status, 404, 'GET of a POST route')
  t.equal((await post('/v1/health', {})).status, 404)
})

tap.test('the service is a Startable: stop and start again, and refuses a config without rpc or guard', async (t) => {
  const s = createGuardService({ rpc: rpc.url })
  await s.start()
  await s.start()
  t.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  await s.stop()
  t.throws(() => s.url)
  t.throws(() => createGuardService({}), { code: 'BAD_TYPE' })
})

tap.test('CLI: `virusmap guard --rpc URL --port 0 --json` serves until interrupted; bad flags are usage errors', async (t) => {
  const { runCli } = await import('../../src/cli/run.ts')
  const controller = new AbortController()
  let out = ''
  let err = ''
  const ctx = { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } }, signal: controller.signal, env: { HOME: dir }, cwd: dir }
  const running = runCli(['guard', '--rpc', rpc.url, '--port', '0', '--store', 'cli-guard.json', '--json'], ctx)
  while (!out.includes('\n')) await new Promise(resolve => setTimeout(resolve, 20))
  const { url, store } = JSON.parse(out) as { url: string, store: string }
  t.equal(store, join(dir, 'cli-guard.json'))
  const health = await fetch(`${url}/v1/health`)
  t.equal(health.status, 200)
  controller.abort()
  t.equal(await running, 0, err)
  await t.rejects(fetch(`${url}/v1/health`), 'stopped')
  const usage = async (argv: string[]): Promise<number> => await runCli(argv, { ...ctx, signal: new AbortController().signal })
  t.equal(await usage(['guard', '--rpc', rpc.url, '--port', '99999']), 1)
  t.equal(await usage(['guard', '--rpc', 'file:///etc/passwd']), 1)
  t.equal(await usage(['guard', '--port', '1']), 1)
  t.equal(await usage(['guard', '--rpc', rpc.url, '--mirror']), 1, '--mirror without a profile')
})

tap.test('/metrics: decisions, findings by rule, check latency by simulation status, list sizes; bounded labels', async (t) => {
  await post('/v1/page', { page: { origin: 'https://claim.drainer.example', scriptHashes: [] } })
  await post('/v1/signature', { method: 'eth_sign', params: [USER, `0x${'12'.repeat(32)}`] })
  const res = await fetch(`${service.url}/metrics`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain/)
  const text = await res.text()
  t.match(text, /virusmap_guard_decisions_total\{decision="block"\} [1-9]/)
  t.match(text, /virusmap_guard_findings_total\{rule="malicious-domain",level="block",decision="block"\} [1-9]/)
  t.match(text, /virusmap_guard_findings_total\{rule="eth-sign",level="block",decision="block"\} [1-9]/)
  t.match(text, /virusmap_guard_check_duration_seconds_count\{simulation="not-applicable"\} [1-9]/)
  t.match(text, /virusmap_guard_malicious_subjects\{kind="domain"\} 1\n/)
  t.match(text, /virusmap_guard_malicious_subjects\{kind="script"\} 1\n/)
  // a hostile origin or method never becomes a label
  await post('/v1/page', { page: { origin: `https://${'x'.repeat(60)}.example`, scriptHashes: [] } })
  await post('/v1/signature', { method: 'evil"method', params: [] })
  const after = await (await fetch(`${service.url}/metrics`)).text()
  t.notMatch(after, /xxxxxxxx|evil/)
})
