// Hunt webhooks over HTTP (SPEC 19) on a member whose hunt service follows a DataMarket on anvil, with a real
// HTTP receiver on loopback: only the vendor's HuntAccess sets, reads and removes its webhook, and only once it
// holds a ruleset here; a loopback URL is refused unless the operator allows private targets; malformed and
// oversize bodies are VT errors by code; a sample matching the vendor's ruleset reaches the receiver as the
// member's signed match within the report latency, and nothing more once the webhook is removed.
import { createServer } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { checkHuntMatchSignature, huntAccessHeader, HUNT_AUTH_HEADER, parseSignedHuntMatch } from '#protocol/hunt/index.ts'
import { HuntWebhookRepository } from '../../src/db/hunt-webhook-repository.ts'
import { openDatabase } from '../../src/db/database.ts'
import { createWebhookDispatcher } from '../../src/hunt/webhook-dispatcher.ts'
import { createHuntPort } from '../../src/supernode/hunt-port.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'
import { logger, startHuntChain } from '../hunt/hunt-fixture.ts'

const h = await startHuntChain(50)
const { c, vendor, vendorSigner } = h
const dir = await mkdtemp(join(tmpdir(), 'virusmap-hunt-webhook-'))
tap.teardown(async () => { await c.stop(); await rm(dir, { recursive: true, force: true }) })
const RULES = 'rule webhook_rule { strings: $a = "WEBHOOK-ME-51c2" condition: $a }\n'
const KEY = 'b8'.repeat(32)
const keys = { find: async (key: string) => key === KEY ? { id: 'k', perMinute: 100_000, perDay: 1_000_000 } : undefined }

const received: Array<{ at: number, headers: IncomingHttpHeaders, body: string }> = []
const receiver = createServer((req, res) => {
  let body = ''
  req.on('data', (chunk: Buffer) => { body += chunk.toString() })
  req.on('end', () => { received.push({ at: Date.now(), headers: req.headers, body }); res.writeHead(204).end() })
})
await new Promise<void>((resolve) => { receiver.listen(0, '127.0.0.1', resolve) })
tap.teardown(async () => { await new Promise((resolve) => { receiver.close(resolve) }) })
const HOOK = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/virusmap`

const m = await h.member(tap, 0, dir)
await m.service.start()
const db = await openDatabase({ path: join(dir, 'webhooks') })
tap.teardown(async () => { await db.close() })
/** a member's API whose webhooks allow private targets (the operator's choice) or not */
async function memberApi (allowPrivate: boolean): Promise<string> {
  const webhooks = createWebhookDispatcher({ allowPrivate, baseDelayMs: 50 }, {
    self: m.self, webhooks: new HuntWebhookRepository(db), hunts: m.hunts, logger,
    subscribe: (v, l) => m.service.subscribe(v, l), hasRuleset: (v) => m.service.rulesets(v).length > 0
  })
  await webhooks.start()
  tap.teardown(async () => { await webhooks.stop() })
  const server = await startApi(tap, { ...createMemoryNode().ports, keys, hunt: createHuntPort(m.service, { self: m.self, chainId: c.chainId, registry: c.registryAddress, webhooks }) })
  return server.url
}
const loose = await memberApi(true)
const strict = await memberApi(false)
const headers = async (): Promise<Record<string, string>> => ({ 'x-apikey': KEY, [HUNT_AUTH_HEADER]: await huntAccessHeader(vendorSigner, m.self, Date.now(), c.chainId, c.registryAddress) })
const put = async (api: string, body: string): Promise<Response> => await fetch(`${api}/api/virusmap/hunt/webhook?vendor=${vendor}`, { method: 'PUT', headers: { ...await headers(), 'content-type': 'application/json' }, body })

tap.test('a webhook needs the vendor\'s access, a ruleset here, a well-formed body and (without the operator\'s leave) a public target', async (t) => {
  await expectVtError(t, await put(loose, JSON.stringify({ url: HOOK })), 403, 'ForbiddenError')
  const reg = await h.registration(RULES)
  const registered = await fetch(`${loose}/api/virusmap/hunt/rulesets`, { method: 'POST', headers: { 'x-apikey': KEY, 'content-type': 'application/json' }, body: JSON.stringify(reg) })
  t.equal(registered.status, 200, 'the ruleset is registered')
  await expectVtError(t, await put(strict, JSON.stringify({ url: HOOK })), 403, 'ForbiddenError')
  await expectVtError(t, await put(strict, JSON.stringify({ url: 'http://169.254.169.254/latest/meta-data/' })), 403, 'ForbiddenError')
  for (const body of ['[]', '{"url":1}', `{"url":"${HOOK}","extra":1}`, '{"url":"ftp://example.com/"}', '"x"', '{"url":"https://user:pw@example.com/"}']) {
    await expectVtError(t, await put(loose, body), 400, 'InvalidArgumentError')
  }
  await expectVtError(t, await put(loose, '{"url'), 400, 'BadRequestError')
  await expectVtError(t, await put(loose, JSON.stringify({ url: `https://example.com/${'a'.repeat(4000)}` })), 413, 'RequestEntityTooLargeError')
  await expectVtError(t, await fetch(`${loose}/api/virusmap/hunt/webhook?vendor=${vendor}`, { method: 'PUT', headers: { 'x-apikey': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ url: HOOK }) }), 401, 'WrongCredentialsError')
  await expectVtError(t, await fetch(`${loose}/api/virusmap/hunt/webhook?vendor=nope`, { headers: await headers() }), 400, 'InvalidArgumentError')
  await expectVtError(t, await fetch(`${loose}/api/virusmap/hunt/webhook?vendor=${vendor}`, { headers: await headers() }), 404, 'NotFoundError')
  const ok = await put(loose, JSON.stringify({ url: HOOK }))
  t.equal(ok.status, 200)
  t.match(await ok.json(), { data: { type: 'hunt_webhook', id: vendor, attributes: { url: HOOK, delivered_seq: 0 } } })
  t.match(await (await fetch(`${loose}/api/virusmap/hunt/webhook?vendor=${vendor}`, { headers: await headers() })).json(), { data: { attributes: { url: HOOK } } })
  t.equal(received.length, 0, 'nothing POSTed yet')
})

tap.test('a sample matching the ruleset reaches the webhook as the member\'s signed match; none after the webhook is removed', async (t) => {
  const jobId = await h.submit(m, new TextEncoder().encode('a sample carrying WEBHOOK-ME-51c2'))
  const reported = Date.now()
  await m.service.tick()
  for (let i = 0; i < 500 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(received.length, 1, 'one POST')
  const got = received[0] as typeof received[number]
  const n = parseSignedHuntMatch(JSON.parse(got.body))
  t.equal(n.match.jobId, jobId)
  t.same(n.match.rules, ['webhook_rule'])
  t.equal(checkHuntMatchSignature(n, c.chainId, c.registryAddress), m.self, 'signed by the member')
  t.equal(got.headers['x-virusmap-hunt-seq'], '1')
  t.ok(got.at - reported < 5000, `POSTed ${got.at - reported} ms after the report was stored`)
  const removed = await fetch(`${loose}/api/virusmap/hunt/webhook?vendor=${vendor}`, { method: 'DELETE', headers: await headers() })
  t.equal(removed.status, 204)
  await expectVtError(t, await fetch(`${loose}/api/virusmap/hunt/webhook?vendor=${vendor}`, { method: 'DELETE', headers: await headers() }), 404, 'NotFoundError')
  await h.submit(m, new TextEncoder().encode('another WEBHOOK-ME-51c2'))
  await m.service.tick()
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(received.length, 1, 'no POST after the removal')
})
