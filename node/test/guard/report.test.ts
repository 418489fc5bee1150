// --report-to (issue 15 item 5): what a block becomes on the network, the reporter's limits, and
// the whole path through the loopback service and the CLI to a node's indicator endpoint, each
// submission signed and checked by recovering its signer. The user's transaction never leaves.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import tap from 'tap'
import type { Test } from 'tap'
import { Wallet } from 'ethers'
import { encryptKeystore } from '#governance/index.ts'
import { recoverSubmissionSigner } from '#protocol/signing.ts'
import { indicatorSha256 } from '#protocol/indicators.ts'
import { isContextText } from '#protocol/encoding.ts'
import type { Hex } from '#protocol/messages.ts'
import { runCli } from '../../src/cli/run.ts'
import { createVtClient } from '../../src/client/vt-client.ts'
import { signSubmissionWith } from '../../src/cli/sign-submission.ts'
import { createGuard, decodeRequest, runRules, decide, type Address, type Finding, type GuardResult, type JsonRpc, type Simulation } from '../../src/guard/index.ts'
import { CONTEXT_PREFIX, guardIndicators, MAX_REPORTED_SCRIPTS, type GuardIndicator } from '../../src/guard/guard-indicators.ts'
import { createGuardReporter } from '../../src/guard/reporter.ts'
import { createGuardService } from '../../src/guard/service/guard-service.ts'
import { createScriptUploads } from '../../src/guard/service/script-uploads.ts'
import { reporterFor } from '../../src/cli/commands/guard-report.ts'
import { createHash } from 'node:crypto'
import { WELL_KNOWN_SPENDERS } from '../../src/guard/well-known.ts'
import { call, MAX, tx } from './fixtures/requests.ts'

const USER: Address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const TOKEN: Address = '0x1111111111111111111111111111111111111111'
const EOA: Address = '0x2222222222222222222222222222222222222222'
const PAST: Address = '0xabcd1111111111111111111111111111111ef012'
const LOOKALIKE: Address = '0xabcd9999999999999999999999999999999ef012'
const REPORTER = new Wallet(`0x${'6'.repeat(64)}`)
const DEPLOYMENT = { chainId: 31337, registry: `0x${'ab'.repeat(20)}` as Hex }
const DIGEST = `0x${'cd'.repeat(32)}`

/** a result as the guard gives it, from the real rules over a decoded request */
function judged (request: unknown, extra: { simulation?: Simulation, code?: Record<string, boolean>, page?: Parameters<typeof runRules>[0]['page'], malicious?: string[] } = {}): Pick<GuardResult, 'decision' | 'findings' | 'simulation' | 'request'> {
  const decoded = decodeRequest(request)
  const simulation = extra.simulation ?? { status: 'not-applicable' }
  const findings = runRules({
    request: decoded,
    simulation,
    facts: { now: 1_900_000_000, hasCode: new Map(Object.entries(extra.code ?? {}) as Array<[Address, boolean]>), ageSeconds: new Map(), nativeBalance: 10n ** 18n, tokenBalances: new Map() },
    pastRecipients: new Set([PAST]),
    malicious: { addresses: new Set(), domains: new Set(extra.malicious ?? []), scriptHashes: new Set() },
    phishing: undefined,
    allowlist: new Set(),
    page: extra.page ?? {},
    connects: [],
    now: 1_000_000
  })
  return { decision: decide(findings, true), findings, simulation, request: decoded }
}

const subjects = (indicators: GuardIndicator[]): string[] => indicators.map(i => `${i.kind}:${i.subject}`)
const ind = (subject: string): GuardIndicator => ({ kind: 'domain', subject, context: CONTEXT_PREFIX })

tap.test('a block becomes indicators: offending wallets on their chain, the page without its query, never the user', async (t) => {
  const page = { origin: 'https://App.Drain.example', url: 'https://app.drain.example/claim?ref=victim#x', scriptHashes: ['aa'.repeat(32)] }
  const approve = judged(call(USER, TOKEN, 'approve', [EOA, MAX]), { code: { [EOA]: false, [TOKEN]: true }, page })
  t.equal(approve.decision, 'block')
  const out = guardIndicators(approve, page, { chainId: 1 })
  t.same(subjects(out), [`wallet:eip155:1:${EOA}`, 'domain:app.drain.example', 'url:https://app.drain.example/claim'], 'no script: nothing implicates the page\'s code')
  const [context] = new Set(out.map(i => i.context))
  t.match(context, new RegExp(`^${CONTEXT_PREFIX}: approval-to-eoa \\[`))
  t.ok(isContextText(context))
  t.notMatch(context, new RegExp(USER.slice(2)), 'the user is not named')
  t.notMatch(context, /115792089237316195423570985008687907853269984665640564039457584007913129639935|amount/, 'nor the amount granted')

  t.same(subjects(guardIndicators(approve, page, {})), ['domain:app.drain.example', 'url:https://app.drain.example/claim'], 'chain unknown: no CAIP-10 to name')
  t.same(subjects(guardIndicators(approve, { ...page, url: 'https://other.example/claim' }, { chainId: 1 })).slice(1), ['domain:app.drain.example', 'url:https://app.drain.example/'], 'a URL off the page\'s origin is not taken')
  for (const origin of ['javascript:alert(1)', 'file:///etc/passwd', `https://${'a'.repeat(3000)}.example`, 'https://', 'not a url', 'https://localhost']) {
    t.same(subjects(guardIndicators(approve, { origin }, { chainId: 1 })), [`wallet:eip155:1:${EOA}`], `hostile origin ${origin.slice(0, 30)}`)
  }
  t.same(guardIndicators(judged(call(USER, TOKEN, 'transfer', [PAST, 1n])), page, { chainId: 1 }), [], 'an allowed request reports nothing')
  const warned = judged(call(USER, TOKEN, 'approve', [EOA, MAX]), { code: { [EOA]: true, [TOKEN]: true } })
  t.equal(warned.decision, 'warn')
  t.same(guardIndicators(warned, page, { chainId: 1 }), [], 'a warning reports nothing')
})

tap.test('what is left out: the user\'s past recipients, allowlisted and well-known spenders; poisoning does not blame the page', async (t) => {
  const page = { origin: 'https://dapp.example' }
  const poisoned = judged(call(USER, TOKEN, 'transfer', [LOOKALIKE, 1n]), { code: { [LOOKALIKE]: false, [TOKEN]: true }, page })
  const out = guardIndicators(poisoned, page, { chainId: 10 })
  t.same(subjects(out), [`wallet:eip155:10:${LOOKALIKE}`])
  t.notMatch(out[0]?.context ?? '', new RegExp(PAST.slice(2)), 'the past recipient it imitates stays private')

  const toEoa = judged(call(USER, TOKEN, 'approve', [EOA, MAX]), { code: { [EOA]: false, [TOKEN]: true } })
  t.same(guardIndicators(toEoa, {}, { chainId: 1, allowlist: new Set([EOA]) }), [], 'the user vouched for it')
  const known = [...WELL_KNOWN_SPENDERS][0] as Address
  const toKnown: typeof toEoa = { ...toEoa, findings: toEoa.findings.map(f => ({ ...f, evidence: { ...f.evidence, spender: known } })) }
  t.same(guardIndicators(toKnown, {}, { chainId: 1 }), [])

  // a balance drop names where the user's assets go, not the user
  const drain: Simulation = { status: 'ok', via: 'eth_simulateV1', gasUsed: 0n, effects: { native: -(10n ** 18n), erc20: [], nfts: [], approvals: [], transfers: [{ standard: 'native', token: '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', from: USER, to: EOA, amount: 10n ** 18n }] } }
  const drained = judged(tx(USER, EOA, '0x', 10n ** 18n), { simulation: drain, code: { [EOA]: false }, page })
  t.equal(drained.decision, 'block')
  t.same(subjects(guardIndicators(drained, page, { chainId: 1 })), [`wallet:eip155:1:${EOA}`, 'domain:dapp.example', 'url:https://dapp.example/'])
})

tap.test('page scripts go when a finding is about the page, listed ones first, bounded; the context always fits', async (t) => {
  const hashes = Array.from({ length: 20 }, (_, n) => n.toString(16).padStart(2, '0').repeat(32))
  const page = { origin: 'https://drain.example', scriptHashes: hashes }
  const listed = judged({ method: 'eth_sign', params: [USER, DIGEST] }, { page, malicious: ['drain.example'] })
  const out = guardIndicators(listed, page, { chainId: 1 })
  t.equal(out.filter(i => i.kind === 'script').length, MAX_REPORTED_SCRIPTS)
  t.match(out[0]?.context, /malicious-domain, eth-sign/)
  t.notMatch(out[0]?.context ?? '', new RegExp(DIGEST.slice(2)), 'the digest the page asked to sign stays here')
  // a listed page framing a clean dapp: the framing page is reported, not the dapp
  const framedPage = { origin: 'https://dapp.example', url: 'https://dapp.example/swap', ancestors: ['https://drain.example:8443'] }
  const framed = judged({ method: 'personal_sign', params: ['0x68656c6c6f', USER] }, { page: framedPage, malicious: ['drain.example'] })
  t.same(subjects(guardIndicators(framed, framedPage, { chainId: 1 })), ['domain:drain.example', 'url:https://drain.example:8443/'])
  // evidence a hostile page controls: control characters and a flood are cut, never sent raw
  const hostile: Finding[] = Array.from({ length: 50 }, () => ({ id: 'malicious-domain', level: 'block' as const, message: '', evidence: { host: `x\u0000\u001b[2J${'y'.repeat(100)}` } }))
  const flooded = guardIndicators({ ...listed, findings: hostile }, page, {})
  t.ok(flooded.every(i => isContextText(i.context) && new TextEncoder().encode(i.context).length <= 1024))
})

tap.test('the reporter: at most N an hour, a subject once a day, failures retried later, stop drops the queue', async (t) => {
  let clock = 0
  const sent: string[] = []
  let fail = false
  const reporter = createGuardReporter({
    submit: async (i) => { if (fail) throw new Error('node down'); sent.push(i.subject) },
    maxPerHour: 3,
    now: () => clock
  })
  t.same(reporter.report([ind('a.example')]), { queued: 0, limited: 1, repeated: 0 }, 'not started: nothing is sent')
  reporter.start()
  t.same(reporter.report(['a', 'b', 'c', 'd', 'e'].map(s => ind(`${s}.example`))), { queued: 3, limited: 2, repeated: 0 })
  await reporter.idle()
  t.same(sent, ['a.example', 'b.example', 'c.example'])
  clock += 3600_000
  t.same(reporter.report([ind('a.example'), ind('d.example')]), { queued: 1, limited: 0, repeated: 1 }, 'an hour on: room again, but a.example was reported today')
  await reporter.idle()
  clock += 24 * 3600_000
  fail = true
  reporter.report([ind('a.example')])
  await reporter.idle()
  t.match(reporter.totals, { sent: 4, failed: 1, limited: 3, repeated: 1 })
  fail = false
  clock += 3600_000
  t.same(reporter.report([ind('a.example')]).queued, 1, 'a failed subject may go again')
  await reporter.idle()
  // stop: what is queued is dropped, an in-flight submission aborted
  let aborted = false
  const { promise: started, resolve: inFlight } = Promise.withResolvers<void>()
  const slow = createGuardReporter({
    submit: async (_i, o) => await new Promise<void>((_resolve, reject) => {
      inFlight()
      o?.signal?.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')) })
    })
  })
  slow.start()
  slow.report([ind('x.example'), ind('y.example')])
  await started
  await slow.stop()
  t.ok(aborted)
  t.match(slow.totals, { sent: 0, failed: 1 })
})

/** a node's indicator endpoint that keeps what it is sent */
async function captureNode (t: Test): Promise<{ url: string, bodies: Array<Record<string, unknown>>, files: string[] }> {
  const bodies: Array<Record<string, unknown>> = []
  /** multipart bodies of POST /api/v3/files, as sent */
  const files: string[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let text = ''
    req.on('data', (c: Buffer) => { text += c.toString() })
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/api/virusmap/indicators') bodies.push({ ...JSON.parse(text) as Record<string, unknown>, raw: text })
      if (req.method === 'POST' && req.url === '/api/v3/files') files.push(text)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { type: 'analysis', id: `a-${bodies.length + files.length}` } }))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => { resolve() }) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, files }
}

/** each body is a Submission signed by REPORTER for its subject under the deployment */
function checkSigned (t: Test, bodies: Array<Record<string, unknown>>): void {
  for (const b of bodies) {
    const submission = { kind: b.kind as 'domain', sha256: indicatorSha256(String(b.value)), context: String(b.context), submittedAt: Number(b.submitted_at) }
    t.equal(recoverSubmissionSigner(submission, b.signature as Hex, DEPLOYMENT.chainId, DEPLOYMENT.registry).toLowerCase(), REPORTER.address.toLowerCase(), `${String(b.kind)} signed by the reporter`)
    t.notMatch(String(b.raw), new RegExp(`${USER.slice(2)}|${DIGEST.slice(2)}`, 'i'), 'neither the user nor what the page asked to sign')
  }
}

tap.test('through the loopback service: a blocked eth_sign is reported signed, the page answer does not wait', async (t) => {
  const node = await captureNode(t)
  const client = createVtClient({ baseUrl: node.url })
  const reporter = createGuardReporter({
    submit: async (i, o) => { await client.submitIndicator(i.kind, i.subject, await signSubmissionWith(REPORTER, { kind: i.kind, sha256: indicatorSha256(i.subject), context: i.context }, DEPLOYMENT), o?.signal === undefined ? {} : { signal: o.signal }) }
  })
  reporter.start()
  t.teardown(() => reporter.stop())
  const rpc: JsonRpc = { url: 'memory:', call: async <T>(method: string): Promise<T> => { if (method === 'eth_chainId') return '0x1' as T; throw new Error('no state') } }
  const service = createGuardService({ guard: createGuard({ rpc, malicious: { addresses: new Set(), domains: new Set(['listed.example']), scriptHashes: new Set() } }), reporter })
  await service.start()
  t.teardown(() => service.stop())
  const ask = async (path: string, body: unknown): Promise<{ decision: string }> => await (await fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as { decision: string }
  const page = { origin: 'https://drain.example', url: 'https://drain.example/mint?wallet=me', scriptHashes: ['bb'.repeat(32)] }
  t.equal((await ask('/v1/signature', { method: 'eth_sign', params: [USER, DIGEST], page })).decision, 'block')
  t.equal((await ask('/v1/signature', { method: 'personal_sign', params: ['0x68656c6c6f', USER], page })).decision, 'allow')
  await reporter.idle()
  t.same(node.bodies.map(b => `${String(b.kind)}:${String(b.value)}`), ['domain:drain.example', 'url:https://drain.example/mint'])
  checkSigned(t, node.bodies)
  t.match(String(node.bodies[0]?.context), /^virusmap-guard block: eth-sign/)
  // the same block again within the day: nothing new is sent
  await ask('/v1/signature', { method: 'eth_sign', params: [USER, DIGEST], page })
  await reporter.idle()
  t.equal(node.bodies.length, 2, 'the same block again within the day sends nothing new')
  // a page visit that blocks is reported too, with the page's scripts (the finding is about the page)
  t.equal((await ask('/v1/page', { page: { origin: 'https://app.listed.example', url: 'https://app.listed.example/', scriptHashes: ['cc'.repeat(32)] } })).decision, 'block')
  await reporter.idle()
  t.same(node.bodies.slice(2).map(b => `${String(b.kind)}:${String(b.value)}`), ['domain:app.listed.example', 'url:https://app.listed.example/', `script:${'cc'.repeat(32)}`])
  checkSigned(t, node.bodies)
  const metrics = await (await fetch(`${service.url}/metrics`)).text()
  t.match(metrics, /virusmap_guard_reports_total\{outcome="sent"\} 5\n/)
  t.match(metrics, /virusmap_guard_reports_total\{outcome="repeated"\} 2\n/)
})

tap.test('virusmap guard check --report-to: signed with the keystore wallet, only with consent, usage errors', async (t) => {
  const node = await captureNode(t)
  const dir = t.testdir()
  await writeFile(join(dir, 'me.json'), await encryptKeystore(REPORTER, 'pass', { scryptN: 1024 }))
  await writeFile(join(dir, 'dep.json'), JSON.stringify({ chainId: DEPLOYMENT.chainId, rpcUrl: 'http://127.0.0.1:9', contracts: { registry: DEPLOYMENT.registry } }))
  const run = async (argv: string[]): Promise<{ code: number, out: string, err: string }> => {
    let out = ''
    let err = ''
    const code = await runCli(argv, { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } }, signal: new AbortController().signal, env: { HOME: dir, VIRUSMAP_KEYSTORE_PASSWORD: 'pass' }, cwd: dir })
    return { code, out, err }
  }
  const base = ['guard', 'check', '--rpc', 'http://127.0.0.1:9', '--from', USER, '--message', DIGEST, '--origin', 'https://blind.example', '--store', 'guard.json']
  const consent = ['--report-to', node.url, '--keystore', 'me.json', '--deployment', 'dep.json', '--json']
  const reported = await run([...base, ...consent])
  t.equal(reported.code, 0, reported.err)
  t.match(JSON.parse(reported.out), { decision: 'block', findings: [{ id: 'blind-signature' }], reports: { sent: 2, failed: 0 } })
  t.same(node.bodies.map(b => b.kind), ['domain', 'url'])
  checkSigned(t, node.bodies)
  const quiet = await run([...base, '--json'])
  t.equal(quiet.code, 0)
  t.equal(JSON.parse(quiet.out).reports, undefined)
  t.equal(node.bodies.length, 2, 'without --report-to nothing is sent')
  for (const [argv, message] of [
    [[...base, '--keystore', 'me.json'], /--keystore goes with --report-to/],
    [[...base, '--report-to', 'ftp://x', '--keystore', 'me.json', '--deployment', 'dep.json'], /--report-to must be a node's http\(s\) API URL/],
    [[...base, '--report-to', node.url, '--deployment', 'dep.json'], /--keystore FILE/],
    [[...base, '--report-to', node.url, '--keystore', 'nope.json', '--deployment', 'dep.json'], /cannot read keystore/],
    [[...base, '--report-to', node.url, '--keystore', 'me.json', '--deployment', 'nope.json'], /cannot read deployment file/]
  ] as Array<[string[], RegExp]>) {
    const r = await run(argv)
    t.equal(r.code, 1, argv.slice(-4).join(' '))
    t.match(r.err, message)
  }
  t.equal(node.bodies.length, 2)
})

tap.test('script bodies: asked for after a reported block, taken only as asked, uploaded as signed files (the CLI\'s reporter)', async (t) => {
  // the units: a body is taken once, for a hash asked for, hashing to it, small enough
  let clock = 0
  const uploads = createScriptUploads(() => clock)
  const body = new TextEncoder().encode('window.drain = () => ethereum.request({ method: "eth_sign" })\n')
  const hash = createHash('sha256').update(body).digest('hex')
  const b64 = Buffer.from(body).toString('base64')
  t.throws(() => uploads.take({ sha256: hash, base64: b64 }), { code: 'BAD_TYPE' }, 'not asked for')
  uploads.want([hash, 'not a hash'], 'ctx')
  for (const [bad, code] of [
    [null, 'BAD_TYPE'], [{ sha256: hash }, 'BAD_TYPE'], [{ sha256: hash, base64: 7 }, 'BAD_TYPE'], [{ sha256: 'ab'.repeat(32), base64: b64 }, 'BAD_TYPE'],
    [{ sha256: hash, base64: `${b64}!` }, 'BAD_HEX'], [{ sha256: hash, base64: b64.slice(1) }, 'BAD_HEX'], [{ sha256: hash, base64: Buffer.from('other').toString('base64') }, 'BAD_HEX'],
    [{ sha256: hash, base64: 'A'.repeat(400_000) }, 'OVERSIZE'], [{ sha256: hash.toUpperCase(), base64: b64 }, 'BAD_TYPE']
  ] as Array<[unknown, string]>) {
    t.throws(() => uploads.take(bad), { code }, JSON.stringify(bad)?.slice(0, 60))
  }
  t.match(uploads.take({ sha256: hash, base64: b64 }), { sha256: hash, context: 'ctx' })
  t.throws(() => uploads.take({ sha256: hash, base64: b64 }), { code: 'BAD_TYPE' }, 'taken once')
  uploads.want([hash], 'ctx')
  clock += 11 * 60_000
  t.throws(() => uploads.take({ sha256: hash, base64: b64 }), { code: 'BAD_TYPE' }, 'asked too long ago')

  // end to end: the CLI's reporter (keystore, deployment) behind the loopback service
  const node = await captureNode(t)
  const dir = t.testdir()
  await writeFile(join(dir, 'me.json'), await encryptKeystore(REPORTER, 'pass', { scryptN: 1024 }))
  await writeFile(join(dir, 'dep.json'), JSON.stringify({ chainId: DEPLOYMENT.chainId, rpcUrl: 'http://127.0.0.1:9', contracts: { registry: DEPLOYMENT.registry } }))
  const ctx = { cwd: dir, env: { HOME: dir, VIRUSMAP_KEYSTORE_PASSWORD: 'pass' }, signal: new AbortController().signal, stdout: { write: () => {} }, stderr: { write: () => {} } }
  const reporter = await reporterFor({ 'report-to': node.url, keystore: 'me.json', deployment: 'dep.json' }, ctx)
  if (reporter === undefined) throw new Error('no reporter')
  reporter.start()
  t.teardown(() => reporter.stop())
  const rpc: JsonRpc = { url: 'memory:', call: async <T>(): Promise<T> => { throw new Error('no chain') } }
  const service = createGuardService({ guard: createGuard({ rpc, malicious: { addresses: new Set(), domains: new Set(['kit.example']), scriptHashes: new Set() } }), reporter })
  await service.start()
  t.teardown(() => service.stop())
  const post = async (path: string, json: unknown): Promise<{ status: number, json: Record<string, unknown> }> => {
    const res = await fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })
    return { status: res.status, json: await res.json() as Record<string, unknown> }
  }
  const visit = await post('/v1/page', { page: { origin: 'https://kit.example', scriptHashes: [hash] } })
  t.match(visit.json, { decision: 'block', uploadScripts: [hash] })
  t.equal(visit.json.simulation, undefined, 'the page answer stays {decision, findings}')
  t.match(await post('/v1/scripts', { sha256: hash, base64: Buffer.from('forged').toString('base64') }), { status: 400, json: { error: { code: 'InvalidArgumentError' } } })
  t.match(await post('/v1/scripts', { sha256: hash, base64: b64 }), { status: 200, json: { queued: true } })
  t.match(await post('/v1/scripts', { sha256: hash, base64: b64 }), { status: 400 }, 'once')
  await reporter.idle()
  t.equal(node.files.length, 1)
  const form = node.files[0] ?? ''
  const field = (name: string): string => new RegExp(`name="${name}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(form)?.[1] ?? ''
  t.equal(field('sha256'), `0x${hash}`)
  t.ok(form.includes(new TextDecoder().decode(body)), 'the script itself')
  const signer = recoverSubmissionSigner({ kind: 'file', sha256: `0x${hash}`, context: field('context'), submittedAt: Number(field('submitted_at')) }, field('signature') as Hex, DEPLOYMENT.chainId, DEPLOYMENT.registry)
  t.equal(signer.toLowerCase(), REPORTER.address.toLowerCase(), 'signed by the keystore wallet as a file submission')
  t.match(field('context'), /^virusmap-guard block: malicious-domain/)
  t.same(node.bodies.map(b => b.kind), ['domain', 'url', 'script'])
})
