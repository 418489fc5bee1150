import t from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { AnchorRepository } from '../../src/db/anchor-repository.ts'
import { anchorReader, reportAnchor } from '../../src/supernode/api-adapters.ts'
import { fileObject } from '../../src/api/vt-objects.ts'
import { indicatorObject } from '../../src/api/vt-indicator-objects.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'
import { signedReport, hashes } from '../fixtures/signed-reports.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'
import type { Hex } from '#protocol/messages.ts'

const KEY = 'a7'.repeat(32)
const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const get = async (url: string): Promise<Response> => await fetch(url, { headers: { 'x-apikey': KEY } })

t.test('anchored epochs and an epoch\'s jobs over HTTP; hostile query parameters refused', async (st) => {
  const db = await openDatabase({ path: st.testdir() })
  st.teardown(async () => { await db.close() })
  const repo = new AnchorRepository(db)
  for (const epoch of [3, 4, 5]) await repo.recordAnchored({ epoch, root: hex(`c${epoch}`, 32), leafCount: 2, block: 30 * epoch + 31, tx: hex(`d${epoch}`, 32), submitter: hex('11', 20) })
  await repo.assignJobs(4, [hex('01', 32), hex('02', 32)], [{ jobId: hex('01', 32), proof: [hex('aa', 32)] }, { jobId: hex('02', 32), proof: [hex('bb', 32)] }], [])
  const ports: ApiPorts = { ...createMemoryNode().ports, anchors: anchorReader(repo), keys: { find: async (key) => key === KEY ? { id: 'k', perMinute: 1000, perDay: 100_000 } : undefined } }
  const server = await startApi(st, ports)

  const list = await (await get(`${server.url}/api/virusmap/anchors`)).json() as { data: Array<{ id: string, attributes: Record<string, unknown> }> }
  st.same(list.data.map((d) => d.id), ['5', '4', '3'], 'newest first')
  st.same(list.data[1]?.attributes, { epoch: 4, root: hex('c4', 32), leaf_count: 2, block: 151, tx: hex('d4', 32) }, 'the list leaves the job ids out')
  st.same((await (await get(`${server.url}/api/virusmap/anchors?limit=1&before=5`)).json() as { data: Array<{ id: string }> }).data.map((d) => d.id), ['4'])

  const one = await (await get(`${server.url}/api/virusmap/anchors?epoch=4`)).json() as { data: { attributes: Record<string, unknown> } }
  st.same(one.data.attributes.job_ids, [hex('01', 32), hex('02', 32)])
  const unmatched = await (await get(`${server.url}/api/virusmap/anchors?epoch=3`)).json() as { data: { attributes: Record<string, unknown> } }
  st.equal(unmatched.data.attributes.job_ids, null, 'anchored, its jobs not matched yet')
  st.equal((await get(`${server.url}/api/virusmap/anchors?epoch=6`)).status, 404)

  for (const bad of ['epoch=-1', 'epoch=abc', 'epoch=1e3', 'epoch=1.5', `epoch=${'9'.repeat(16)}`, 'epoch=1&epoch=2', 'epoch=', 'limit=0', 'limit=101', 'limit=x', 'before=-2', 'epoch=%00']) {
    const res = await get(`${server.url}/api/virusmap/anchors?${bad}`)
    st.equal(res.status, 400, bad)
    st.equal((await res.json() as { error: { code: string } }).error.code, 'InvalidArgumentError', bad)
  }
  st.equal((await fetch(`${server.url}/api/virusmap/anchors`)).status, 401, 'needs a key like every /api/virusmap route')
  const openapi = await (await fetch(`${server.url}/api/openapi.json`)).json() as { paths: Record<string, unknown> }
  st.ok(openapi.paths['/api/virusmap/anchors'])
})

t.test('a node without anchors answers 503', async (st) => {
  const server = await startApi(st, createMemoryNode().ports)
  st.equal((await fetch(`${server.url}/api/virusmap/anchors`)).status, 503)
})

t.test('file and indicator objects carry virusmap_anchor once anchored, nothing before', async (st) => {
  const db = await openDatabase({ path: st.testdir() })
  st.teardown(async () => { await db.close() })
  const repo = new AnchorRepository(db)
  const bytes = new TextEncoder().encode('anchored sample')
  const report = await signedReport(bytes)
  const sample = { ...hashes(bytes), fileType: 'text', names: [], firstSeen: 1, lastSeen: 1 }
  st.equal(await reportAnchor(repo, report), undefined)
  st.notOk((fileObject({ report, sample }, 'http://x') as { data: { attributes: Record<string, unknown> } }).data.attributes.virusmap_anchor, 'pending: no attribute')
  await repo.recordAnchored({ epoch: 9, root: hex('e9', 32), leafCount: 1, block: 301, tx: hex('f9', 32), submitter: hex('11', 20) })
  await repo.assignJobs(9, [report.jobId], [{ jobId: report.jobId, proof: [] }], [])
  const anchor = await reportAnchor(repo, report)
  st.same(anchor, { epoch: 9, root: hex('e9', 32), proof: [], block: 301 })
  const file = fileObject({ report, sample, ...(anchor === undefined ? {} : { anchor }) }, 'http://x') as { data: { attributes: Record<string, unknown> } }
  st.same(file.data.attributes.virusmap_anchor, { epoch: 9, root: hex('e9', 32), proof: [], block: 301 })
  const domain = indicatorObject('domain', 'example.com', { report, relatedFiles: [], ...(anchor === undefined ? {} : { anchor }) }, 'http://x') as { data: { attributes: Record<string, unknown> } }
  st.same(domain.data.attributes.virusmap_anchor, file.data.attributes.virusmap_anchor)
})
