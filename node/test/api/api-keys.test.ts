import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApiKeyGuard } from '../../src/api/api-keys.ts'
import { ApiKeyRepository, openDatabase } from '../../src/db/index.ts'
import type { ApiKeyReader } from '../../src/api/ports/index.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { raw } from '../fixtures/raw-http.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'

const KEY = 'a1'.repeat(32)
const REVOKED = 'b2'.repeat(32)

function memoryKeys (limits: { perMinute: number, perDay: number }): ApiKeyReader & { saved: Array<{ id: string, day: string, count: number }> } {
  const saved: Array<{ id: string, day: string, count: number }> = []
  return {
    saved,
    find: async (key) => key === KEY ? { id: 'k1', ...limits } : undefined,
    dayUsage: async () => 0,
    saveDayUsage: async (entries) => { saved.push(...entries) }
  }
}

t.test('every API route wants a key; health, metrics, docs and the page do not', async (st) => {
  const node = createMemoryNode()
  const server = await startApi(t, {
    ...node.ports,
    keys: memoryKeys({ perMinute: 1000, perDay: 1000 }),
    status: { health: () => ({}), metrics: async () => ({ contentType: 'text/plain', body: '' }) },
    network: { info: () => { throw new Error('unused') }, membersAt: () => [], recentReports: async () => [] }
  })
  const hash = 'ab'.repeat(32)
  const routes: Array<[string, RequestInit?]> = [
    [`/api/v3/files/${hash}`], [`/api/v3/analyses/${hash}`], ['/api/v3/files/upload_url'], ['/api/v3/files/not-a-hash'],
    ['/api/virusmap/members/1'], ['/api/virusmap/reports'],
    ['/api/v3/files', { method: 'POST', body: (() => { const f = new FormData(); f.append('file', new Blob(['x'])); return f })() }]
  ]
  for (const [path, init] of routes) {
    await expectVtError(st, await fetch(`${server.url}${path}`, init), 401, 'AuthenticationRequiredError')
    await expectVtError(st, await fetch(`${server.url}${path}`, { ...init, headers: { 'x-apikey': REVOKED } }), 401, 'WrongCredentialsError')
    for (const bad of ['short', KEY.toUpperCase(), `${KEY}0`, `${KEY} `, 'é'.repeat(64)]) {
      const res = await fetch(`${server.url}${path}`, { ...init, headers: { 'x-apikey': encodeURIComponent(bad) } })
      await expectVtError(st, res, 401, 'WrongCredentialsError')
    }
  }
  // two x-apikey headers arrive joined; neither half is taken
  const twice = await raw(server.url, `GET /api/v3/files/${hash} HTTP/1.1\r\nHost: x\r\nx-apikey: ${KEY}\r\nx-apikey: ${KEY}\r\nConnection: close\r\n\r\n`)
  st.match(twice, /^HTTP\/1\.1 401/)
  st.match(twice, /WrongCredentialsError/)
  const huge = await raw(server.url, `GET /api/v3/files/${hash} HTTP/1.1\r\nHost: x\r\nx-apikey: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`)
  st.match(huge, /^HTTP\/1\.1 431/)

  await expectVtError(st, await fetch(`${server.url}/api/v3/files/${hash}`, { headers: { 'x-apikey': KEY } }), 404, 'NotFoundError')
  for (const open of ['/healthz', '/metrics', '/', '/web/app.js', '/docs', '/api/openapi.json']) {
    st.equal((await fetch(`${server.url}${open}`)).status, 200, `${open} is open`)
  }
})

t.test('quotas per minute and per day, in UTC windows', async (st) => {
  let now = Date.UTC(2026, 10, 23, 12, 0, 30)
  const keys = memoryKeys({ perMinute: 3, perDay: 5 })
  const guard = createApiKeyGuard(keys, { now: () => now })
  st.teardown(() => guard.close())
  const request = (key = KEY): Parameters<typeof guard.check>[0] => ({ headers: { 'x-apikey': key } }) as unknown as Parameters<typeof guard.check>[0]
  const code = async (key?: string): Promise<string> => {
    try {
      await guard.check(request(key))
      return 'ok'
    } catch (err) {
      return (err as { code: string }).code
    }
  }
  st.same([await code(), await code(), await code(), await code()], ['ok', 'ok', 'ok', 'QuotaExceededError'], '3 a minute')
  now += 30_000 // the next minute
  st.same([await code(), await code(), await code()], ['ok', 'ok', 'QuotaExceededError'], '5 a day: 3 + 2')
  now = Date.UTC(2026, 10, 24, 0, 0, 1)
  st.equal(await code(), 'ok', 'a new UTC day')
  await guard.flush()
  st.same(keys.saved.at(-1), { id: 'k1', day: '2026-11-24', count: 1 }, 'day counts are written back')
  st.equal(await code(REVOKED), 'WrongCredentialsError')
})

t.test('admit counts a known key\'s request at once, and falls back to the whole check whenever one is due', async (st) => {
  let now = Date.UTC(2026, 10, 23, 12, 0, 30)
  let found = 0
  let usage = 0
  const listeners: Array<(id: string) => void> = []
  let revoked = false
  const keys: ApiKeyReader = {
    find: async (key) => { found++; return key === KEY && !revoked ? { id: 'k1', perMinute: 3, perDay: 100 } : undefined },
    dayUsage: async () => { usage++; return 10 },
    saveDayUsage: async () => {},
    onChange: (listener) => { listeners.push(listener); return () => {} }
  }
  const guard = createApiKeyGuard(keys, { now: () => now })
  st.teardown(() => guard.close())
  const request = (key = KEY): Parameters<typeof guard.admit>[0] => ({ headers: { 'x-apikey': key } }) as unknown as Parameters<typeof guard.admit>[0]
  const outcome = async (key?: string): Promise<string> => {
    try {
      const pending = guard.admit(request(key))
      if (pending === undefined) return 'at once'
      await pending
      return 'waited'
    } catch (err) {
      return (err as { code: string }).code
    }
  }
  st.equal(await outcome(), 'waited', 'a key not seen yet is looked up')
  st.same([found, usage], [1, 1], 'its limits and the day\'s stored count read once')
  st.same([await outcome(), await outcome(), await outcome()], ['at once', 'at once', 'QuotaExceededError'], 'then counted at once, against the same per-minute quota')
  st.throws(() => guard.admit(request()), { code: 'QuotaExceededError' }, 'a refusal is thrown, not a promise')
  st.equal(await outcome(undefined), 'QuotaExceededError')
  st.equal(await outcome(REVOKED), 'WrongCredentialsError', 'an unknown key goes to the whole check')
  await st.rejects(Promise.resolve().then(() => guard.admit(request(''))), { code: 'AuthenticationRequiredError' })
  now += 60_000
  st.equal(await outcome(), 'waited', 'the lookup is due again after 30 s: the whole check')
  st.equal(found, 3)
  st.equal(await outcome(), 'at once')
  now = Date.UTC(2026, 10, 24, 0, 0, 1)
  st.equal(await outcome(), 'waited', 'a new UTC day: its stored count is read first')
  st.equal(usage, 2)
  st.equal(await outcome(), 'at once')
  revoked = true
  for (const l of listeners) l('k1')
  st.equal(await outcome(), 'WrongCredentialsError', 'a changed key is looked up again at once: revoked, refused')
})

t.test('day usage survives a restart through the key store', async (st) => {
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-keys-'))
  st.teardown(() => rm(dir, { recursive: true, force: true }))
  const db = await openDatabase({ path: join(dir, 'db') })
  st.teardown(() => db.close())
  const repo = new ApiKeyRepository(db)
  const { key, record } = await repo.create({ name: 'alice', perMinute: 100, perDay: 4 })
  st.match(key, /^[0-9a-f]{64}$/)
  st.equal(record.id, (await repo.find(key))?.id)
  const port: ApiKeyReader = { find: async (k) => await repo.find(k), dayUsage: async (id, day) => await repo.dayUsage(id, day), saveDayUsage: async (e) => { await repo.saveDayUsage(e) } }
  const request = { headers: { 'x-apikey': key } } as unknown as Parameters<ReturnType<typeof createApiKeyGuard>['check']>[0]
  const first = createApiKeyGuard(port)
  for (let i = 0; i < 3; i++) await first.check(request)
  await first.close()
  const second = createApiKeyGuard(port)
  st.teardown(() => second.close())
  await second.check(request)
  await st.rejects(second.check(request), { code: 'QuotaExceededError' }, 'the 5th request of the day is refused after a restart')

  await repo.revoke(record.id)
  st.equal(await repo.find(key), undefined, 'a revoked key is not found')
  const listed = []
  for await (const r of repo.list()) listed.push(r)
  st.equal(listed.length, 1)
  st.type(listed[0]?.revokedAt, 'number')
  await st.rejects(repo.revoke('0000000000000000'), { code: 'UNKNOWN_KEY' })
  await st.rejects(repo.create({ name: 'x', perMinute: 0, perDay: 1 }), { code: 'BAD_QUOTA' })
  await st.rejects(repo.create({ name: 'x', perMinute: 1, perDay: 1, key: 'XY' }), { code: 'BAD_KEY' })
})
