import tap from 'tap'
import type { Test } from 'tap'
import { pino } from 'pino'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp, createApiServer } from '../../src/api/server.ts'
import type { ObjectCacheBounds } from '../../src/api/object-cache.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'
import { createMemoryNode, type MemoryNode } from '../fixtures/memory-ports.ts'
import { memoryVotes } from '../fixtures/memory-votes.ts'
import { hashes } from '../fixtures/signed-reports.ts'

const ALICE = 'a1'.repeat(32)
const BOB = 'b2'.repeat(32)
const SAMPLE = new TextEncoder().encode('a sample looked up again and again\n')
const SHA256 = hashes(SAMPLE).sha256.slice(2)
const MD5 = hashes(SAMPLE).md5.slice(2)

interface Attributes { names: string[], last_submission_date: number, last_analysis_stats: { malicious: number }, total_votes: Record<string, number>, virusmap: { job_id: string } }

async function setup (t: Test, objectCache?: Partial<ObjectCacheBounds>, files?: (node: MemoryNode) => ApiPorts['files']): Promise<{ node: MemoryNode, app: FastifyInstance, get: (path: string, headers?: Record<string, string>) => Promise<LightMyRequestResponse>, counter: (name: string) => Promise<number> }> {
  const node = createMemoryNode()
  const ports: ApiPorts = {
    ...node.ports,
    files: files?.(node) ?? node.ports.files,
    votes: memoryVotes(),
    keys: {
      find: async (k) => k === ALICE
        ? { id: 'alice', perMinute: 100_000, perDay: 100_000, privileges: ['download'] }
        : k === BOB ? { id: 'bob', perMinute: 100_000, perDay: 100_000 } : undefined
    },
    status: { health: () => ({}), metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: '' }) }
  }
  const app = buildApp({ ports, logger: pino({ level: 'silent' }), maxUploadBytes: 64 * 1024, ...(objectCache === undefined ? {} : { objectCache }) })
  t.teardown(() => app.close())
  const get = async (path: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    await app.inject({ method: 'GET', url: path, headers: { 'x-apikey': ALICE, ...headers } })
  const counter = async (name: string): Promise<number> => {
    const text = (await app.inject('/metrics')).body
    const line = text.split('\n').find((l) => l.startsWith(name))
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return { node, app, get, counter }
}

async function upload (node: MemoryNode, bytes: Uint8Array, filename: string): Promise<void> {
  await node.ports.submitter.submitFile((async function * () { yield bytes })(), { filename })
}

const attributesOf = (res: LightMyRequestResponse): Attributes => (res.json() as { data: { attributes: Attributes } }).data.attributes

tap.test('each kind of write shows in the next GET, by any of the three hashes', async (t) => {
  const { node, app, get, counter } = await setup(t)
  const first = await node.addReported(SAMPLE, ['a.exe'])
  const a = await get(`/api/v3/files/${SHA256}`)
  t.equal(a.statusCode, 200)
  t.match(a.headers['content-type'], /^application\/json; charset=utf-8/)
  t.same(attributesOf(a).names, ['a.exe'])
  t.equal(attributesOf(a).virusmap.job_id, first.jobId)
  const again = await get(`/api/v3/files/${MD5}`)
  t.equal(again.body, a.body, 'the md5 lookup answers the same bytes')
  t.equal(await counter('virusmap_api_object_cache_hits_total{type="file"}'), 1, 'from the kept body')

  await upload(node, SAMPLE, 'b.exe')
  const renamed = attributesOf(await get(`/api/v3/files/${SHA256}`))
  t.same(renamed.names, ['a.exe', 'b.exe'], 'a new name')
  t.ok(renamed.last_submission_date > attributesOf(a).last_submission_date, 'a later submission date')

  t.equal(attributesOf(a).last_analysis_stats.malicious, 1)
  await node.addReported(SAMPLE, [], { detect: false })
  t.equal(attributesOf(await get(`/api/v3/files/${SHA256}`)).last_analysis_stats.malicious, 0, 'a new report')

  t.same(attributesOf(await get(`/api/v3/files/${SHA256}`)).total_votes, { harmless: 0, malicious: 0 })
  const vote = await app.inject({ method: 'POST', url: `/api/v3/files/${SHA256}/votes`, headers: { 'x-apikey': BOB, 'content-type': 'application/json' }, payload: { data: { type: 'vote', attributes: { verdict: 'malicious' } } } })
  t.equal(vote.statusCode, 200)
  t.same(attributesOf(await get(`/api/v3/files/${MD5}`)).total_votes, { harmless: 0, malicious: 1 }, 'a vote')

  // VirusTotal's /analyses/{id}/item is the same object, from the same entry
  const { analysisId } = await node.ports.submitter.submitFile((async function * () { yield SAMPLE })(), {})
  const item = await get(`/api/v3/analyses/${analysisId}/item`)
  t.equal(item.body, (await get(`/api/v3/files/${SHA256}`)).body)
  t.ok(await counter('virusmap_api_object_cache_misses_total{type="file"}') >= 5)
})

tap.test('a port that decodes its objects anew for every read: equal objects still answer from the kept body', async (t) => {
  const { node, get, counter } = await setup(t, undefined, (n) => ({ getFile: async (hash, options) => structuredClone(await n.ports.files.getFile(hash, options)) }))
  await node.addReported(SAMPLE, ['a.exe'])
  const bodies = [await get(`/api/v3/files/${SHA256}`), await get(`/api/v3/files/${SHA256}`), await get(`/api/v3/files/${SHA256}`)].map((r) => r.body)
  t.same(new Set(bodies).size, 1)
  t.equal(await counter('virusmap_api_object_cache_hits_total{type="file"}'), 2)
  await node.addReported(SAMPLE, [], { detect: false })
  t.equal(attributesOf(await get(`/api/v3/files/${SHA256}`)).last_analysis_stats.malicious, 0, 'a changed report is not equal')
  t.equal(await counter('virusmap_api_object_cache_misses_total{type="file"}'), 2)
})

tap.test('ETag and If-None-Match: 304 while the object is unchanged, the new body once it changes', async (t) => {
  const { node, app, get } = await setup(t)
  await node.addReported(SAMPLE, ['a.exe'])
  const path = `/api/v3/files/${SHA256}`
  const first = await get(path)
  const etag = first.headers.etag as string
  t.match(etag, /^"[A-Za-z0-9_-]{22}"$/)
  for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const res = await get(path, { 'if-none-match': header })
    t.equal(res.statusCode, 304, header)
    t.equal(res.body, '')
    t.equal(res.headers.etag, etag)
  }
  t.equal((await get(path, { 'if-none-match': '"other"' })).statusCode, 200)
  const head = await app.inject({ method: 'HEAD', url: path, headers: { 'x-apikey': ALICE } })
  t.equal(head.statusCode, 200)
  t.equal(head.headers.etag, etag)
  t.equal(head.headers['content-length'], String(first.rawPayload.length))

  await upload(node, SAMPLE, 'b.exe')
  const changed = await get(path, { 'if-none-match': etag })
  t.equal(changed.statusCode, 200, 'a stale ETag gets the new object')
  t.not(changed.headers.etag, etag)
  t.same(attributesOf(changed).names, ['a.exe', 'b.exe'])
})

tap.test('the same bytes for every API key; the links follow the host each client named', async (t) => {
  const { node, app, get } = await setup(t)
  await node.addReported(SAMPLE, ['a.exe'])
  await app.inject({ method: 'POST', url: `/api/v3/files/${SHA256}/votes`, headers: { 'x-apikey': ALICE, 'content-type': 'application/json' }, payload: { data: { type: 'vote', attributes: { verdict: 'harmless' } } } })
  const path = `/api/v3/files/${SHA256}`
  // alice holds the download privilege and voted; bob neither: nothing of either is in the object
  const byAlice = await get(path)
  const byBob = await get(path, { 'x-apikey': BOB })
  t.equal(byBob.body, byAlice.body)
  t.equal(byBob.headers.etag, byAlice.headers.etag)
  t.same(attributesOf(byBob).total_votes, { harmless: 1, malicious: 0 })

  const one = await get(path, { host: 'one.example' })
  const two = await get(path, { host: 'two.example:8443' })
  t.equal((one.json() as { data: { links: { self: string } } }).data.links.self, `http://one.example${path}`)
  t.equal((two.json() as { data: { links: { self: string } } }).data.links.self, `http://two.example:8443${path}`)
  t.not(one.headers.etag, two.headers.etag)
  t.equal((await get(path, { host: 'one.example' })).body, one.body)
})

tap.test('bounded by entries and by bytes, least recently used out first', async (t) => {
  const samples = Array.from({ length: 24 }, (_, i) => new TextEncoder().encode(`sample number ${i}\n`))
  const paths = samples.map((s) => `/api/v3/files/${hashes(s).sha256.slice(2)}`)

  const byEntries = await setup(t, { maxEntries: 5 })
  for (const s of samples) await upload(byEntries.node, s, 'x')
  for (const p of paths) {
    t.equal((await byEntries.get(p)).statusCode, 200)
    t.ok(await byEntries.counter('virusmap_api_object_cache_entries') <= 5)
  }
  t.equal(await byEntries.counter('virusmap_api_object_cache_entries'), 5)
  // the five most recent are kept; touching the oldest of them keeps it past the next miss
  await byEntries.get(paths[19] as string)
  await byEntries.get(paths[0] as string)
  const hits = await byEntries.counter('virusmap_api_object_cache_hits_total{type="file"}')
  await byEntries.get(paths[19] as string)
  t.equal(await byEntries.counter('virusmap_api_object_cache_hits_total{type="file"}'), hits + 1, 'the touched entry stayed')
  await byEntries.get(paths[20] as string)
  t.equal(await byEntries.counter('virusmap_api_object_cache_hits_total{type="file"}'), hits + 1, 'the least recently used went')

  const size = (await byEntries.get(paths[0] as string)).rawPayload.length
  const maxBytes = size * 3 + 300
  const byBytes = await setup(t, { maxBytes })
  for (const s of samples) await upload(byBytes.node, s, 'x')
  for (const p of paths) {
    await byBytes.get(p)
    t.ok(await byBytes.counter('virusmap_api_object_cache_bytes') <= maxBytes)
  }
  t.equal(await byBytes.counter('virusmap_api_object_cache_entries'), 3)

  const tiny = await setup(t, { maxBytes: 100 })
  await upload(tiny.node, samples[0] as Uint8Array, 'x')
  t.equal((await tiny.get(paths[0] as string)).statusCode, 200, 'an object over the bound is answered')
  t.equal(await tiny.counter('virusmap_api_object_cache_entries'), 0, 'and not kept')
})

tap.test('bounds must be positive integers', async (t) => {
  for (const objectCache of [{ maxEntries: 0 }, { maxBytes: -1 }, { maxBytes: 1.5 }]) {
    t.throws(() => createApiServer({ ports: createMemoryNode().ports, logger: pino({ level: 'silent' }), maxUploadBytes: 1, objectCache }), { code: 'InvalidArgumentError' })
  }
})
