import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { CID } from 'multiformats/cid'
import { createApiServer } from '../../src/api/server.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'
import { CHUNK_SIZE, decodeManifest } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase, PREFIXES, dbKey } from '../../src/db/index.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'
import { createDurableBlockstore, getBlock } from '../../src/ipfs/index.ts'
import { sampleDownloads } from '../../src/supernode/api-adapters.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'
import { raw } from '../fixtures/raw-http.ts'
import type { Test } from 'tap'

/** A real node's sample store and key store behind the API; logs kept to check the audit trail. */
async function world (t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-download-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const blockstore = createDurableBlockstore({ path: join(dir, 'blocks') })
  await blockstore.open()
  t.teardown(() => blockstore.close())
  const db = await openDatabase({ path: join(dir, 'db') })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  const store = await startSampleStore(t, { db, blockstore, samples: repos.samples, logger: pino({ level: 'silent' }), maxSampleBytes: 8 * CHUNK_SIZE })
  const logs: string[] = []
  const ports: ApiPorts = {
    ...createMemoryNode().ports,
    keys: {
      find: async (k) => await repos.apiKeys.find(k),
      onChange: (listener) => repos.apiKeys.onChange(listener)
    },
    downloads: sampleDownloads(repos.samples, store)
  }
  const server = createApiServer({ ports, logger: pino({ level: 'info' }, { write: (line: string) => { logs.push(line) } }), maxUploadBytes: 1024 })
  await server.start()
  t.teardown(() => server.stop())
  const granted = await repos.apiKeys.create({ name: 'researcher', perMinute: 1000, perDay: 1000, privileges: ['download'] })
  const plain = await repos.apiKeys.create({ name: 'soc', perMinute: 1000, perDay: 1000 })
  return { dir, db, repos, store, blockstore, server, logs, granted, plain }
}

const MARKER = 'DOWNLOAD-ME-NOT-IN-LOGS'

tap.test('download: the decrypted sample, streamed, only to keys holding "download"; audit-logged', async (t) => {
  const w = await world(t)
  const bytes = Buffer.concat([Buffer.from(MARKER), randomBytes(2 * CHUNK_SIZE + 777)])
  const stored = await w.store.ingest((async function * () { for (let o = 0; o < bytes.length; o += 100_000) yield bytes.subarray(o, o + 100_000) })())
  const sha256 = stored.sha256.slice(2)
  const url = (id: string): string => `${w.server.url}/api/v3/files/${id}/download`
  const get = async (id: string, key?: string): Promise<Response> => await fetch(url(id), key === undefined ? {} : { headers: { 'x-apikey': key } })

  for (const id of [sha256, stored.sha1.slice(2), stored.md5.slice(2), stored.sha256.toUpperCase().replace('0X', '0x')]) {
    const res = await get(id, w.granted.key)
    t.equal(res.status, 200, id)
    t.equal(res.headers.get('content-type'), 'application/octet-stream')
    t.equal(res.headers.get('content-length'), String(bytes.length))
    t.equal(res.headers.get('content-disposition'), `attachment; filename="${sha256}"`)
    t.ok(Buffer.from(await res.arrayBuffer()).equals(bytes), 'the exact plaintext')
  }

  await expectVtError(t, await get(sha256), 401, 'AuthenticationRequiredError')
  await expectVtError(t, await get(sha256, 'ab'.repeat(32)), 401, 'WrongCredentialsError')
  // a key without the privilege learns nothing, not even whether the id is well formed or held
  for (const id of [sha256, 'f'.repeat(64), 'nothex']) await expectVtError(t, await get(id, w.plain.key), 403, 'ForbiddenError')
  for (const id of ['nothex', 'a'.repeat(63), 'g'.repeat(64), `${sha256}00`, '%00', '..%2F..%2Fetc%2Fpasswd', encodeURIComponent('<script>')]) {
    await expectVtError(t, await get(id, w.granted.key), 400, 'BadRequestError')
  }
  await expectVtError(t, await get('e'.repeat(64), w.granted.key), 404, 'NotFoundError')
  await expectVtError(t, await get('a'.repeat(5000), w.granted.key), 414, 'BadRequestError')
  const huge = await raw(w.server.url, `GET /api/v3/files/${sha256}/download HTTP/1.1\r\nHost: x\r\nx-apikey: ${w.granted.key}\r\nx-junk: ${'j'.repeat(20_000)}\r\nConnection: close\r\n\r\n`)
  t.match(huge, /^HTTP\/1\.1 431/, 'oversize headers never reach the route')

  const head = await fetch(url(sha256), { method: 'HEAD', headers: { 'x-apikey': w.granted.key } })
  t.equal(head.status, 404, 'HEAD opens no download')
  const audit = w.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === 'sample-download')
  t.equal(audit.length, 4, 'one audit line per download')
  t.same(audit.map((l) => [l.keyId, l.sha256, l.size]), Array.from({ length: 4 }, () => [w.granted.record.id, sha256, bytes.length]))
  t.notOk(w.logs.some((l) => l.includes(MARKER)), 'no sample bytes in any log line')
  t.notOk(w.logs.some((l) => l.includes(w.granted.key)), 'no key in any log line')

  // a revoked key stops at once, although the API caches keys
  await w.repos.apiKeys.revoke(w.granted.record.id)
  await expectVtError(t, await get(sha256, w.granted.key), 401, 'WrongCredentialsError')
})

tap.test('download: a missing block cuts the answer short of its length', async (t) => {
  const w = await world(t)
  const bytes = randomBytes(3 * CHUNK_SIZE)
  const stored = await w.store.ingest((async function * () { yield bytes })())
  const manifest = decodeManifest(await getBlock(w.blockstore, CID.parse(stored.cid)))
  await w.blockstore.delete(manifest.chunks[2] as CID)
  const res = await fetch(`${w.server.url}/api/v3/files/${stored.sha256.slice(2)}/download`, { headers: { 'x-apikey': w.granted.key } })
  t.equal(res.status, 200, 'the first chunks went out before the third was missed')
  await t.rejects(res.arrayBuffer(), 'the client sees a broken transfer, never a short file taken for whole')
  const lines = w.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
  t.ok(lines.some((l) => l.audit === 'sample-download' && l.msg === 'sample download cut off'))
})

tap.test('download: closed on a node without keys, 404 without a sample store', async (t) => {
  const node = createMemoryNode()
  const open = await startApi(t, node.ports)
  await expectVtError(t, await fetch(`${open.url}/api/v3/files/${'a'.repeat(64)}/download`), 403, 'ForbiddenError')
  const keyed = await startApi(t, { ...node.ports, keys: { find: async () => ({ id: 'k', perMinute: 10, perDay: 10, privileges: ['download'] }) } })
  await expectVtError(t, await fetch(`${keyed.url}/api/v3/files/${'a'.repeat(64)}/download`, { headers: { 'x-apikey': 'a'.repeat(64) } }), 404, 'NotFoundError')
})

tap.test('key records: privileges are a closed set; records from before privileges read as none', async (t) => {
  const w = await world(t)
  await t.rejects(w.repos.apiKeys.create({ name: 'x', perMinute: 1, perDay: 1, privileges: ['root'] }), { code: 'BAD_PRIVILEGE' })
  await t.rejects(w.repos.apiKeys.create({ name: 'x', perMinute: 1, perDay: 1, privileges: ['__proto__'] }), { code: 'BAD_PRIVILEGE' })
  await t.rejects(w.repos.apiKeys.create({ name: 'x', perMinute: 1, perDay: 1, privileges: Array(10).fill('download') }), { code: 'BAD_PRIVILEGE' })
  const twice = await w.repos.apiKeys.create({ name: 'x', perMinute: 1, perDay: 1, privileges: ['download', 'download'] })
  t.same(twice.record.privileges, ['download'])

  // the shape schema 1 stored before privileges existed (and one with junk in the field)
  const oldKey = 'c3'.repeat(32)
  const { createHash } = await import('node:crypto')
  const hash = createHash('sha256').update(oldKey).digest('hex')
  await w.db.put(dbKey(PREFIXES.apiKey, hash), { id: hash.slice(0, 16), name: 'old', perMinute: 5, perDay: 5, createdAt: 1 })
  t.same((await w.repos.apiKeys.find(oldKey))?.privileges, [])
  const junkKey = 'd4'.repeat(32)
  const junkHash = createHash('sha256').update(junkKey).digest('hex')
  await w.db.put(dbKey(PREFIXES.apiKey, junkHash), { id: junkHash.slice(0, 16), name: 'junk', perMinute: 5, perDay: 5, createdAt: 1, privileges: ['download-all', 7] })
  t.same((await w.repos.apiKeys.find(junkKey))?.privileges, [])
  const listed = []
  for await (const r of w.repos.apiKeys.list()) listed.push(r)
  t.ok(listed.every((r) => Array.isArray(r.privileges)))
  await expectVtError(t, await fetch(`${w.server.url}/api/v3/files/${'a'.repeat(64)}/download`, { headers: { 'x-apikey': oldKey } }), 403, 'ForbiddenError')
  t.equal((await fetch(`${w.server.url}/api/v3/files/${'a'.repeat(64)}`, { headers: { 'x-apikey': oldKey } })).status, 404, 'the old key still works')
})
