import t from 'tap'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { hashes } from '../fixtures/signed-reports.ts'
import type { Hex } from '#protocol/messages.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'

const SAMPLE = new TextEncoder().encode('a sample to scan again\n')
const RESCAN_ID = `0x${'cd'.repeat(32)}` as Hex

t.test('POST /files/{id}/analyse rescans a held file; /analyses/{id}/item is the file', async (st) => {
  const node = createMemoryNode()
  const h = hashes(SAMPLE)
  const asked: Hex[] = []
  const server = await startApi(t, {
    ...node.ports,
    submitter: {
      ...node.ports.submitter,
      rescan: async (hash) => {
        asked.push(hash)
        return [h.sha256, h.sha1, h.md5].includes(hash) ? { analysisId: RESCAN_ID, sha256: h.sha256 } : undefined
      }
    }
  })
  const form = new FormData()
  form.append('file', new Blob([SAMPLE as Uint8Array<ArrayBuffer>]), 'again.txt')
  const { data: { id } } = await (await fetch(`${server.url}/api/v3/files`, { method: 'POST', body: form })).json() as { data: { id: Hex } }
  await node.complete(id)

  for (const hash of [h.sha256, h.sha1, h.md5.toUpperCase()]) {
    const res = await fetch(`${server.url}/api/v3/files/${hash.slice(2)}/analyse`, { method: 'POST' })
    st.equal(res.status, 200)
    st.same(await res.json(), { data: { type: 'analysis', id: RESCAN_ID, links: { self: `${server.url}/api/v3/analyses/${RESCAN_ID}` } } })
  }
  st.same(asked, [h.sha256, h.sha1, h.md5], 'ids reach the port lowercase with 0x')
  await expectVtError(st, await fetch(`${server.url}/api/v3/files/${'ee'.repeat(32)}/analyse`, { method: 'POST' }), 404, 'NotFoundError')
  for (const bad of ['nothex', 'ab', 'g'.repeat(64), '0x', '%00']) {
    await expectVtError(st, await fetch(`${server.url}/api/v3/files/${bad}/analyse`, { method: 'POST' }), 400, 'BadRequestError')
  }
  await expectVtError(st, await fetch(`${server.url}/api/v3/files/${h.sha256.slice(2)}/analyse`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":' }), 400, 'BadRequestError')
  await expectVtError(st, await fetch(`${server.url}/api/v3/files/${h.sha256.slice(2)}/analyse`, { method: 'GET' }), 404, 'NotFoundError')

  const item = await (await fetch(`${server.url}/api/v3/analyses/${id}/item`)).json() as { data: { type: string, id: string, attributes: { last_analysis_stats: { malicious: number } } } }
  st.equal(item.data.type, 'file')
  st.equal(item.data.id, h.sha256.slice(2))
  st.equal(item.data.attributes.last_analysis_stats.malicious, 1)
  await expectVtError(st, await fetch(`${server.url}/api/v3/analyses/${'ab'.repeat(32)}/item`), 404, 'NotFoundError')
  await expectVtError(st, await fetch(`${server.url}/api/v3/analyses/xyz/item`), 400, 'BadRequestError')
})

t.test('a node without rescans answers 404 for every file', async (st) => {
  const server = await startApi(t, createMemoryNode().ports)
  await expectVtError(st, await fetch(`${server.url}/api/v3/files/${'ab'.repeat(32)}/analyse`, { method: 'POST' }), 404, 'NotFoundError')
})
