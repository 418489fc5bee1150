// Hunt webhooks (hunt/webhook-dispatcher.ts, SPEC 19) against a real HTTP receiver on loopback (the operator
// allows private targets here; a vendor's loopback URL is refused otherwise): each notification is POSTed once,
// in order, its body the member's signed match, which verifies; failures are retried with backoff and then
// skipped, a refusal is not retried; the backlog is bounded; a restart resumes after the last delivered; a
// cleared webhook stops; only a vendor with a ruleset may set one, and only so many are kept.
import { createServer } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import type { Test } from 'tap'
import pino from 'pino'
import { checkHuntMatchSignature, signHuntMatch } from '#protocol/hunt/match.ts'
import type { Hex } from '#protocol/messages.ts'
import { openDatabase } from '../../src/db/database.ts'
import { HuntRepository } from '../../src/db/hunt-repository.ts'
import type { StoredHuntMatch } from '../../src/db/hunt-repository.ts'
import { HuntWebhookRepository } from '../../src/db/hunt-webhook-repository.ts'
import { createWebhookDispatcher } from '../../src/hunt/webhook-dispatcher.ts'
import type { WebhookDispatcher, WebhookOptions } from '../../src/hunt/webhook-dispatcher.ts'
import { CHAIN_ID, MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'

const VENDOR = `0x${'ee'.repeat(20)}` as Hex
const member = MEMBERS[0] as typeof MEMBERS[number]
const logger = pino({ level: process.env.H54 ?? 'silent' })

interface Received { at: number, headers: IncomingHttpHeaders, body: string }
/** a receiver answering each POST with the next status of `statuses` (200 once they run out) */
async function receiver (t: Test, statuses: number[] = []): Promise<{ url: string, got: Received[] }> {
  const got: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      got.push({ at: Date.now(), headers: req.headers, body })
      res.writeHead(statuses.shift() ?? 200).end('ok')
    })
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.teardown(async () => { await new Promise((resolve) => { server.close(resolve) }) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got }
}

interface World { hunts: HuntRepository, webhooks: HuntWebhookRepository, listeners: Set<(s: StoredHuntMatch) => void>, dispatcher: (o?: WebhookOptions, hasRuleset?: boolean) => Promise<WebhookDispatcher>, add: (n: number) => Promise<void> }

async function world (t: Test): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'webhook-'))
  const db = await openDatabase({ path: dir })
  t.teardown(async () => { await db.close(); await rm(dir, { recursive: true, force: true }) })
  const hunts = new HuntRepository(db)
  const webhooks = new HuntWebhookRepository(db)
  const listeners = new Set<(s: StoredHuntMatch) => void>()
  let matched = 0
  return {
    hunts, webhooks, listeners,
    async dispatcher (o = {}, hasRuleset = true) {
      const d = createWebhookDispatcher({ allowPrivate: true, baseDelayMs: 20, maxDelayMs: 80, timeoutMs: 2000, ...o }, {
        self: member.address, webhooks, hunts, logger, hasRuleset: () => hasRuleset,
        subscribe: (_vendor, l) => { listeners.add(l); return () => { listeners.delete(l) } }
      })
      await d.start()
      t.teardown(async () => { await d.stop() })
      return d
    },
    /** n new signed notifications for the vendor, stored and announced as the hunt notifier does */
    async add (n) {
      for (let i = 0; i < n; i++) {
        const match = { rulesetId: `0x${'12'.repeat(32)}` as Hex, member: member.address, jobId: `0x${(++matched).toString(16).padStart(64, '0')}` as Hex, sha256: `0x${'ab'.repeat(32)}` as Hex, membershipBlock: 7, rules: ['Evil'], matchedAt: 1000 + matched }
        const stored = await hunts.addMatch(VENDOR, await signHuntMatch(match, CHAIN_ID, REGISTRY, member.wallet))
        for (const l of listeners) l(stored)
      }
    }
  }
}

async function until (what: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!what() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10))
}
const seqs = (got: Received[]): number[] => got.map((r) => Number(r.headers['x-virusmap-hunt-seq']))

tap.test('each notification is POSTed once, in order, as the member\'s signed match', async (t) => {
  const w = await world(t)
  await w.add(2)
  const r = await receiver(t)
  const d = await w.dispatcher()
  const hook = await d.set(VENDOR, r.url)
  t.equal(hook.deliveredSeq, 2, 'a new webhook starts after the newest notification (older ones are at /hunt/matches)')
  await w.add(3)
  await until(() => r.got.length >= 3)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(seqs(r.got), [3, 4, 5])
  const first = r.got[0] as Received
  t.equal(first.headers['content-type'], 'application/json')
  t.equal(first.headers['x-virusmap-member'], member.address)
  t.equal(first.headers['x-virusmap-vendor'], VENDOR)
  const body = JSON.parse(first.body)
  t.same(body, (await w.hunts.matches(VENDOR, 2, 1))[0]?.notification, 'the body is the stored signed match')
  t.equal(checkHuntMatchSignature(body, CHAIN_ID, REGISTRY), member.address, 'and it verifies to the member')
  t.equal((await d.get(VENDOR))?.deliveredSeq, 5)
})

tap.test('5xx, 429 and 408 are retried with growing delays; another 4xx is not; a notification failing every attempt is skipped', async (t) => {
  const w = await world(t)
  const r = await receiver(t, [503, 429, 200, 400, 500, 500, 500])
  const d = await w.dispatcher({ maxAttempts: 3 })
  await d.set(VENDOR, r.url)
  await w.add(4)
  await until(() => r.got.length >= 8)
  t.same(seqs(r.got), [1, 1, 1, 2, 3, 3, 3, 4], '1 after two retries; 2 refused once; 3 given up after 3 attempts; then 4')
  const gap = (i: number): number => (r.got[i + 1] as Received).at - (r.got[i] as Received).at
  t.ok(gap(0) >= 10 && gap(1) >= 20, `backoff: ${gap(0)} ms then ${gap(1)} ms (base 20 ms, doubled, half of it jitter)`)
  await until(() => false, 100)
  t.equal(r.got.length, 8, 'nothing sent twice after a 2xx')
})

tap.test('a receiver that never answers in time is retried, not waited on for ever', async (t) => {
  const w = await world(t)
  let hits = 0
  const server = createServer((req) => { hits++; req.resume() })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.teardown(async () => {
    const closed = new Promise((resolve) => { server.close(resolve) })
    server.closeAllConnections()
    await closed
  })
  const d = await w.dispatcher({ timeoutMs: 100, maxAttempts: 2 })
  await d.set(VENDOR, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  await w.add(1)
  await until(() => hits >= 2)
  await until(() => false, 200)
  t.equal(hits, 2, 'two attempts, each cut at its timeout')
  await until(() => false, 100)
  t.equal((await d.get(VENDOR))?.deliveredSeq, 1, 'then skipped')
})

tap.test('the backlog is bounded; a restart resumes after the last delivered; a cleared webhook stops', async (t) => {
  const w = await world(t)
  const r = await receiver(t)
  const d = await w.dispatcher({ maxBacklog: 3 })
  await d.set(VENDOR, r.url)
  await d.stop()
  await w.add(10)
  const again = await w.dispatcher({ maxBacklog: 3 })
  await until(() => r.got.length >= 3)
  await until(() => false, 100)
  t.same(seqs(r.got), [8, 9, 10], 'the 7 oldest skipped')
  await again.stop()
  await w.add(1)
  await w.dispatcher({ maxBacklog: 3 })
  await until(() => r.got.length >= 4)
  t.same(seqs(r.got).slice(3), [11], 'resumed after 10, nothing sent twice')
  const third = await w.dispatcher({ maxBacklog: 3 })
  await third.clear(VENDOR)
  await w.add(1)
  await until(() => false, 150)
  t.equal(r.got.length, 4, 'no POST after the webhook was cleared')
  await t.rejects(third.clear(VENDOR), { code: 'NO_WEBHOOK' })
})

tap.test('refusals: a loopback target unless the operator allows it, a vendor without a ruleset, past the most webhooks', async (t) => {
  const w = await world(t)
  const r = await receiver(t)
  const strict = await w.dispatcher({ allowPrivate: false })
  await t.rejects(strict.set(VENDOR, r.url), { code: 'PRIVATE_TARGET' })
  await t.rejects(strict.set(VENDOR, 'http://localhost:1/'), { code: 'PRIVATE_TARGET' })
  await t.rejects(strict.set(VENDOR, 'gopher://example.com/'), { code: 'BAD_URL' })
  const none = await w.dispatcher({}, false)
  await t.rejects(none.set(VENDOR, r.url), { code: 'NO_RULESET' })
  const one = await w.dispatcher({ maxWebhooks: 1 })
  await one.set(VENDOR, r.url)
  await one.set(VENDOR, `${r.url}?again`)
  t.equal((await one.get(VENDOR))?.url, `${r.url}?again`, 'a vendor may replace its own')
  await t.rejects(one.set(`0x${'dd'.repeat(20)}`, r.url), { code: 'TOO_MANY_WEBHOOKS' })
  t.equal(r.got.length, 0)
})

tap.test('a webhook set while private targets were allowed is not POSTed to once they are not (checked at each connection)', async (t) => {
  const w = await world(t)
  const r = await receiver(t)
  const loose = await w.dispatcher()
  await loose.set(VENDOR, r.url.replace('127.0.0.1', 'localhost'))
  await loose.stop()
  await w.add(1)
  const strict = await w.dispatcher({ allowPrivate: false })
  await until(() => false, 200)
  t.equal(r.got.length, 0, 'refused at the connection, not retried')
  t.equal((await strict.get(VENDOR))?.deliveredSeq, 1, 'and skipped')
})
