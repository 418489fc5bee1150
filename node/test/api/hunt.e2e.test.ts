// The hunt routes over HTTP (SPEC 19), on a member whose hunt service follows a DataMarket on anvil:
// a registration is accepted once its hunt order is confirmed; malformed, hostile, oversize and unpaid
// registrations are VT errors by code; only the vendor's HuntAccess for this node reads its rulesets and
// matches, and no answer carries a ruleset's source or ciphertext; matches stream as server-sent events,
// resumable by Last-Event-ID; hostile stream clients (too many, one that never reads) are refused or cut.
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { flipLastByte } from '../fixtures/tamper.ts'
import Fastify from 'fastify'
import { lower } from '../../../contracts/test/market-chain.ts'
import { checkHuntMatchSignature, huntAccessHeader, HUNT_AUTH_HEADER, MAX_REGISTRATION_BYTES, parseSignedHuntMatch } from '#protocol/hunt/index.ts'
import type { SignedHuntMatch } from '#protocol/hunt/index.ts'
import { registerHuntRoutes } from '../../src/api/routes/hunt.ts'
import { closeQuietConnections } from '../../src/api/close-quiet-connections.ts'
import { createHuntPort } from '../../src/supernode/hunt-port.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'
import { startHuntChain } from '../hunt/hunt-fixture.ts'

const h = await startHuntChain(50)
const { c, vendor, vendorSigner } = h
const dir = await mkdtemp(join(tmpdir(), 'virusmap-hunt-api-'))
tap.teardown(async () => { await c.stop(); await rm(dir, { recursive: true, force: true }) })
const RULES = 'rule secret_hunt_rule { strings: $a = "HUNT-ME-7f3a" condition: $a }\n'
const KEY = 'a7'.repeat(32)
const keys = { find: async (key: string) => key === KEY ? { id: 'k', perMinute: 100_000, perDay: 1_000_000 } : undefined }

const m = await h.member(tap, 0, dir)
await m.service.start()
const port = createHuntPort(m.service, { self: m.self, chainId: c.chainId, registry: c.registryAddress })
const server = await startApi(tap, { ...createMemoryNode().ports, keys, hunt: port })
const auth = async (node = m.self, issuedAt = Date.now()): Promise<string> => await huntAccessHeader(vendorSigner, node, issuedAt, c.chainId, c.registryAddress)
const headers = async (extra: Record<string, string> = {}): Promise<Record<string, string>> => ({ 'x-apikey': KEY, [HUNT_AUTH_HEADER]: await auth(), ...extra })
const post = async (body: string): Promise<Response> => await fetch(`${server.url}/api/virusmap/hunt/rulesets`, { method: 'POST', headers: { 'x-apikey': KEY, 'content-type': 'application/json' }, body })

tap.test('registration: accepted once paid; hostile bodies are VT errors by code', async (t) => {
  const reg = await h.registration(RULES)
  const ok = await post(JSON.stringify(reg))
  t.equal(ok.status, 200)
  const text = await ok.text()
  t.match(JSON.parse(text), { data: { type: 'hunt_ruleset', id: reg.rulesetId, attributes: { order_id: reg.orderId } } })
  t.notMatch(text, /secret_hunt_rule|HUNT-ME/, 'the source is not echoed')
  await expectVtError(t, await post('{"vendor":'), 400, 'BadRequestError')
  await expectVtError(t, await post('[]'), 400, 'InvalidArgumentError')
  await expectVtError(t, await post(JSON.stringify({ ...reg, rules: RULES })), 400, 'InvalidArgumentError')
  await expectVtError(t, await post(JSON.stringify(reg).replace('"vendor"', '"__proto__"')), 400, 'BadRequestError')
  await expectVtError(t, await post(JSON.stringify({ ...reg, orderId: '99999' })), 403, 'ForbiddenError')
  await expectVtError(t, await post(JSON.stringify({ ...reg, vendor: lower(h.wallets[1]?.address as string) })), 403, 'ForbiddenError')
  await expectVtError(t, await post(JSON.stringify({ ...reg, ciphertext: flipLastByte(reg.ciphertext) })), 400, 'InvalidArgumentError')
  await expectVtError(t, await post(JSON.stringify(await h.registration('rule broken { condition: '))), 400, 'InvalidArgumentError')
  await expectVtError(t, await post(' '.repeat(MAX_REGISTRATION_BYTES + 1)), 413, 'RequestEntityTooLargeError')
  await expectVtError(t, await fetch(`${server.url}/api/virusmap/hunt/rulesets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reg) }), 401, 'AuthenticationRequiredError')
})

tap.test('only the vendor\'s access for this node reads its rulesets and matches', async (t) => {
  const url = `${server.url}/api/virusmap/hunt/rulesets?vendor=${vendor}`
  const ok = await fetch(url, { headers: await headers() })
  t.equal(ok.status, 200)
  const body = await ok.text()
  t.equal((JSON.parse(body) as { data: unknown[] }).data.length, 1)
  t.notMatch(body, /secret_hunt_rule|ciphertext|seals/, 'neither source nor ciphertext is served')
  await expectVtError(t, await fetch(url, { headers: { 'x-apikey': KEY } }), 401, 'WrongCredentialsError')
  await expectVtError(t, await fetch(url, { headers: { 'x-apikey': KEY, [HUNT_AUTH_HEADER]: await auth(lower(h.wallets[1]?.address as string)) } }), 401, 'WrongCredentialsError')
  await expectVtError(t, await fetch(url, { headers: { 'x-apikey': KEY, [HUNT_AUTH_HEADER]: await auth(m.self, Date.now() - 3_600_000) } }), 401, 'WrongCredentialsError')
  await expectVtError(t, await fetch(`${server.url}/api/virusmap/hunt/rulesets?vendor=${lower(h.wallets[2]?.address as string)}`, { headers: await headers() }), 401, 'WrongCredentialsError')
  for (const bad of ['', '0x12', vendor.toUpperCase(), `${vendor}&vendor=${vendor}`]) {
    await expectVtError(t, await fetch(`${server.url}/api/virusmap/hunt/rulesets?vendor=${bad}`, { headers: await headers() }), 400, 'InvalidArgumentError')
  }
  for (const bad of ['-1', '1.5', 'x', '9'.repeat(40)]) {
    await expectVtError(t, await fetch(`${server.url}/api/virusmap/hunt/matches?vendor=${vendor}&after=${bad}`, { headers: await headers() }), 400, 'InvalidArgumentError')
  }
  await expectVtError(t, await fetch(`${server.url}/api/virusmap/hunt/rulesets/0x12/retro?vendor=${vendor}`, { method: 'POST', headers: await headers() }), 400, 'InvalidArgumentError')
  await expectVtError(t, await fetch(`${server.url}/api/virusmap/hunt/rulesets/0x${'ab'.repeat(32)}/retro?vendor=${vendor}`, { method: 'POST', headers: await headers() }), 404, 'NotFoundError')
})

/** Reads server-sent events until `count` hunt-match events arrived. */
async function readEvents (res: Response, count: number): Promise<Array<{ id: string, notification: SignedHuntMatch }>> {
  const out: Array<{ id: string, notification: SignedHuntMatch }> = []
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  while (out.length < count) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]))
      if (fields.event === 'hunt-match') out.push({ id: fields.id as string, notification: parseSignedHuntMatch(JSON.parse(fields.data as string)) })
    }
  }
  await reader.cancel()
  return out
}

tap.test('matches stream as signed server-sent events, resumable by Last-Event-ID', async (t) => {
  const stream = await fetch(`${server.url}/api/virusmap/hunt/matches/stream?vendor=${vendor}`, { headers: await headers() })
  t.equal(stream.status, 200)
  t.match(stream.headers.get('content-type'), /text\/event-stream/)
  const jobId = await h.submit(m, new TextEncoder().encode('a sample with HUNT-ME-7f3a inside'))
  await m.service.tick()
  const [first] = await readEvents(stream, 1)
  t.equal(first?.id, '1')
  t.equal(first?.notification.match.jobId, jobId)
  t.same(first?.notification.match.rules, ['secret_hunt_rule'])
  t.equal(checkHuntMatchSignature(first?.notification as SignedHuntMatch, c.chainId, c.registryAddress), m.self)
  await h.submit(m, new TextEncoder().encode('another HUNT-ME-7f3a'))
  await m.service.tick()
  const resumed = await fetch(`${server.url}/api/virusmap/hunt/matches/stream?vendor=${vendor}`, { headers: await headers({ 'last-event-id': '1' }) })
  t.same((await readEvents(resumed, 1)).map((e) => e.id), ['2'], 'only what came after the last event id')
  const page = await fetch(`${server.url}/api/virusmap/hunt/matches?vendor=${vendor}&after=0&limit=1`, { headers: await headers() })
  t.match(await page.json(), { data: [{ type: 'hunt_match', id: '1' }], meta: { cursor: '1' } })
  await expectVtError(t, await fetch(`${server.url}/api/virusmap/hunt/matches/stream?vendor=${vendor}`, { headers: await headers({ 'last-event-id': 'abc' }) }), 400, 'InvalidArgumentError')
})

tap.test('hostile stream clients: too many streams are refused, one that never reads is cut', async (t) => {
  const app = Fastify()
  // as buildApp does: without it the close waits a minute for undici's spare connection
  closeQuietConnections(app)
  registerHuntRoutes(app, port, { perVendor: 2, perNode: 3, maxBufferedBytes: 1024, maxStallMs: 300, heartbeatMs: 100 })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await app.close() })
  const address = app.server.address() as { port: number }
  const base = `http://127.0.0.1:${address.port}/api/virusmap/hunt/matches/stream?vendor=${vendor}`
  const a = await fetch(base, { headers: await headers({ 'last-event-id': '2' }) })
  const b = await fetch(base, { headers: await headers({ 'last-event-id': '2' }) })
  t.equal((await fetch(base, { headers: await headers() })).status, 429, 'a third stream of the vendor')
  await a.body?.cancel()
  await b.body?.cancel()
  // ~5 MB of stored notifications (64 long rule names each), more than the socket buffers hold
  const big = { ...(await m.service.matches(vendor, 0, 1))[0]?.notification as SignedHuntMatch }
  big.match = { ...big.match, rules: Array.from({ length: 64 }, (_, i) => `r${String(i).padStart(2, '0')}${'x'.repeat(120)}`) }
  for (let i = 0; i < 600; i++) await m.hunts.addMatch(vendor, big)
  const access = await auth()
  const socket = connect(address.port, '127.0.0.1')
  socket.pause()
  socket.write(`GET /api/virusmap/hunt/matches/stream?vendor=${vendor} HTTP/1.1\r\nhost: x\r\n${HUNT_AUTH_HEADER}: ${access}\r\n\r\n`)
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => { resolve(false) }, 20_000)
    socket.once('close', () => { clearTimeout(timer); resolve(true) })
    // read nothing for a while, then drain what is left so the close is seen
    setTimeout(() => { socket.resume() }, 3000)
  })
  t.ok(closed, 'the server cut the client that did not read')
  t.equal(port.subscribers(vendor), 0, 'its subscription is gone')
  // a stop ends the streams still open instead of waiting for their vendors to leave
  const live = await fetch(base, { headers: await headers({ 'last-event-id': String(1e6) }) })
  const reader = live.body?.getReader()
  await reader?.read()
  await app.close()
  const ended = await reader?.read().then((r) => r.done, () => true)
  t.equal(ended, true, 'the open stream ended with the server')
  // the server's side of the close runs on its own tick: give it a moment, not a minute
  for (let i = 0; i < 100 && port.subscribers(vendor) > 0; i++) await sleep(20)
  t.equal(port.subscribers(vendor), 0, 'and unsubscribed')
})
