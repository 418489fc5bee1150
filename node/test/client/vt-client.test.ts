import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { createApiServer } from '../../src/api/index.ts'
import { createVtClient, type AnalysisResponse } from '../../src/client/vt-client.ts'
import { createMemoryNode, type MemoryNode } from '../fixtures/memory-ports.ts'
import { hashes } from '../fixtures/signed-reports.ts'

const SAMPLE = new TextEncoder().encode('client sample bytes')

async function serve (): Promise<{ node: MemoryNode, url: string }> {
  const node = createMemoryNode()
  const server = createApiServer({ ports: node.ports, logger: pino({ level: 'silent' }), maxUploadBytes: 1024 })
  await server.start()
  t.teardown(() => server.stop())
  return { node, url: server.url }
}

/** A server that answers every request with `body` and records the request headers. */
async function fixedServer (status: number, body: string): Promise<{ url: string, headers: Array<Record<string, unknown>> }> {
  const headers: Array<Record<string, unknown>> = []
  const server = createServer((req, res) => {
    headers.push(req.headers)
    req.resume()
    req.on('end', () => { res.writeHead(status, { 'content-type': 'text/html' }).end(body) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve() }) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers }
}

t.test('upload bytes or a path, poll, look up', async (st) => {
  const { node, url } = await serve()
  const client = createVtClient({ baseUrl: `${url}/` })
  st.equal(client.baseUrl, url)

  const { id } = await client.uploadFile(SAMPLE, { filename: 'a.txt' })
  st.match(id, /^0x[0-9a-f]{64}$/)

  const dir = await mkdtemp(join(tmpdir(), 'vt-client-'))
  st.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'b.bin')
  await writeFile(path, SAMPLE)
  st.equal((await client.uploadFile(path)).id, id, 'same bytes, same job')

  const seen: string[] = []
  const done = await client.waitForAnalysis(id, {
    intervalMs: 5,
    onProgress: (a: AnalysisResponse) => {
      seen.push(a.data.attributes.status)
      if (seen.length === 2) void node.complete(id as `0x${string}`)
    }
  })
  st.equal(done.data.attributes.status, 'completed')
  st.equal(seen[0], 'queued')
  st.equal(seen.at(-1), 'completed')

  const file = await client.getFile(hashes(SAMPLE).sha1.slice(2))
  st.equal(file.data.id, hashes(SAMPLE).sha256.slice(2))
  st.same((file.data.attributes.names as string[]).toSorted(), ['a.txt', 'b.bin'])
})

t.test('a failed analysis ends the wait too, with its reason', async (st) => {
  const { node, url } = await serve()
  const client = createVtClient({ baseUrl: url })
  const { id } = await client.uploadFile(SAMPLE)
  const analysis = node.analyses.get(id as `0x${string}`)
  if (analysis === undefined) throw new Error('no analysis')
  node.analyses.set(id as `0x${string}`, { ...analysis, status: 'failed', failure: 'NO_QUORUM' })
  const done = await client.waitForAnalysis(id, { intervalMs: 5, signal: AbortSignal.timeout(10_000) })
  st.equal(done.data.attributes.status, 'failed')
  st.equal((done.data.attributes as { virusmap?: { failure?: string } }).virusmap?.failure, 'NO_QUORUM')
})

t.test('errors carry VirusTotal\'s codes', async (st) => {
  const { url } = await serve()
  const client = createVtClient({ baseUrl: url })
  await st.rejects(client.getFile('0'.repeat(64)), { name: 'VtClientError', code: 'NotFoundError', status: 404 })
  await st.rejects(client.getFile('../../etc/passwd'), { code: 'BadRequestError', status: 400 })
  await st.rejects(client.getAnalysis('nope'), { code: 'BadRequestError', status: 400 })
  await st.rejects(client.uploadFile(new Uint8Array(2048)), { code: 'RequestEntityTooLargeError', status: 413 })
  await st.rejects(client.uploadFile('/nonexistent/file'), { code: 'FileError', message: /ENOENT/ })
  await st.rejects(client.uploadFile('/'), { code: 'FileError', message: /EISDIR/ })

  const { id } = await client.uploadFile(SAMPLE)
  const controller = new AbortController()
  const waiting = client.waitForAnalysis(id, { intervalMs: 10_000, signal: controller.signal })
  setTimeout(() => { controller.abort() }, 20)
  await st.rejects(waiting, { code: 'AbortError' })
  await st.rejects(client.waitForAnalysis(id, { intervalMs: 10_000, signal: AbortSignal.timeout(30) }), { code: 'TimeoutError' })
})

t.test('network and protocol failures', async (st) => {
  await st.rejects(createVtClient({ baseUrl: 'http://127.0.0.1:9' }).getFile('0'.repeat(64)), { code: 'NetworkError', message: /cannot reach/ })
  st.throws(() => createVtClient({ baseUrl: 'not a url' }), { code: 'InvalidArgumentError' })
  st.throws(() => createVtClient({ baseUrl: 'file:///etc' }), { code: 'InvalidArgumentError' })

  const html = await fixedServer(502, '<html>bad gateway</html>')
  await st.rejects(createVtClient({ baseUrl: html.url }).getFile('0'.repeat(64)), { code: 'InvalidResponseError', status: 502 })
  const noData = await fixedServer(200, '{"nodata":true}')
  await st.rejects(createVtClient({ baseUrl: noData.url }).getFile('0'.repeat(64)), { code: 'InvalidResponseError' })
  const odd = await fixedServer(418, '{"error":"teapot"}')
  await st.rejects(createVtClient({ baseUrl: odd.url }).getFile('0'.repeat(64)), { code: 'InvalidResponseError', status: 418 })

  const keyed = await fixedServer(200, '{"data":{"id":"x","type":"file","attributes":{}}}')
  await createVtClient({ baseUrl: keyed.url, apiKey: 'k3y' }).getFile('0'.repeat(64))
  st.equal(keyed.headers[0]?.['x-apikey'], 'k3y')
})
