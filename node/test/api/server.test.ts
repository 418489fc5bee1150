import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { pino } from 'pino'
import { createApiServer } from '../../src/api/index.ts'
import { reportFromFileAttributes } from '../../src/light-client/file-report.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { hashes, MEMBERSHIP_BLOCK, NOW } from '../fixtures/signed-reports.ts'
import { raw } from '../fixtures/raw-http.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'

const MAX = 64 * 1024
const SAMPLE = new TextEncoder().encode('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')
const bare = (h: string): string => h.slice(2)

function upload (url: string, bytes: Uint8Array, field = 'file', filename = 'eicar.com'): Promise<Response> {
  const form = new FormData()
  form.append(field, new Blob([bytes as Uint8Array<ArrayBuffer>]), filename)
  return fetch(`${url}/api/v3/files`, { method: 'POST', body: form })
}

t.test('upload, poll and look up: VirusTotal wire shapes', async (st) => {
  const node = createMemoryNode()
  const server = await startApi(t, node.ports)
  const h = hashes(SAMPLE)

  st.same(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' })

  const res = await upload(server.url, SAMPLE)
  st.equal(res.status, 200)
  const submitted = await res.json() as { data: { type: string, id: string, links: { self: string } } }
  st.same(Object.keys(submitted), ['data'])
  st.equal(submitted.data.type, 'analysis')
  st.match(submitted.data.id, /^0x[0-9a-f]{64}$/)
  st.equal(submitted.data.links.self, `${server.url}/api/v3/analyses/${submitted.data.id}`)
  st.same(Buffer.from(node.stored.get(h.sha256) ?? []), Buffer.from(SAMPLE), 'the bytes reached the submitter intact')

  const queued = await (await fetch(submitted.data.links.self)).json()
  st.same(queued, {
    data: {
      type: 'analysis',
      id: submitted.data.id,
      attributes: {
        date: Math.floor(NOW / 1000),
        status: 'queued',
        stats: { malicious: 0, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, 'confirmed-timeout': 0, failure: 0, 'type-unsupported': 0 },
        results: {},
        virusmap: { job_id: submitted.data.id, membership_block: MEMBERSHIP_BLOCK, verdict_count: 0, member_count: 4 }
      },
      links: { self: submitted.data.links.self, item: `${server.url}/api/v3/files/${bare(h.sha256)}` }
    },
    meta: { file_info: { sha256: bare(h.sha256), sha1: bare(h.sha1), md5: bare(h.md5), size: SAMPLE.length } }
  })

  const report = await node.complete(submitted.data.id as `0x${string}`)
  const done = await (await fetch(submitted.data.links.self)).json() as { data: { attributes: Record<string, unknown> } }
  const attrs = done.data.attributes
  st.equal(attrs.status, 'completed')
  st.equal(attrs.date, Math.floor(report.date / 1000))
  st.ok(Number.isInteger(attrs.date))
  st.same(attrs.stats, { malicious: 1, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, 'confirmed-timeout': 0, failure: 0, 'type-unsupported': 1 })
  st.same(attrs.results, {
    Heuristics: { category: 'type-unsupported', engine_name: 'Heuristics', engine_version: '0.1.0', engine_update: '20261102', method: 'heuristic', result: null },
    YARA: { category: 'malicious', engine_name: 'YARA', engine_version: '4.5.2', engine_update: '20261101', method: 'blacklist', result: 'EICAR_Test_File' }
  })

  for (const id of [bare(h.sha256), bare(h.sha1), bare(h.md5), h.sha256, bare(h.sha256).toUpperCase()]) {
    const file = await fetch(`${server.url}/api/v3/files/${id}`)
    st.equal(file.status, 200, `lookup by ${id}`)
    const body = await file.json() as { data: { type: string, id: string, attributes: Record<string, unknown>, links: unknown } }
    st.equal(body.data.type, 'file')
    st.equal(body.data.id, bare(h.sha256))
    const a = body.data.attributes
    st.same(Object.keys(a).toSorted(), ['first_submission_date', 'last_analysis_date', 'last_analysis_results', 'last_analysis_stats',
      'last_submission_date', 'md5', 'meaningful_name', 'names', 'sha1', 'sha256', 'size', 'type_description', 'type_tag', 'virusmap'])
    st.match(a, { sha256: bare(h.sha256), sha1: bare(h.sha1), md5: bare(h.md5), size: SAMPLE.length, type_tag: 'text', type_description: 'Text', names: ['eicar.com'], meaningful_name: 'eicar.com' })
    for (const k of ['first_submission_date', 'last_submission_date', 'last_analysis_date']) st.ok(Number.isInteger(a[k]), `${k} is an integer`)
    st.equal(a.last_analysis_date, Math.floor(report.date / 1000))
    st.same(a.last_analysis_results, attrs.results)
    st.same(a.virusmap, {
      version: 2, job_id: report.jobId, chain_id: report.chainId, registry: report.registry, membership_block: report.job.job.membershipBlock,
      members: report.members, member_count: 4, fault_divisor: report.faultDivisor, quorum: 3, registrations: report.registrations,
      job: report.job, commitments: report.commitments, verdicts: report.verdicts, attestations: report.attestations,
      absent: report.absent, withheld: report.withheld,
      engines: {
        Heuristics: { members: report.results.Heuristics?.members, answered: 3, registered: 4, attested: true },
        YARA: { members: report.results.YARA?.members, answered: 3, registered: 4, attested: true }
      }
    })
    const rebuilt = reportFromFileAttributes(a)
    st.ok(rebuilt.ok, 'a light client rebuilds the same report from the file object')
  }
})

t.test('a file without a final report has no virusmap attribute nor analysis date', async (st) => {
  const node = createMemoryNode()
  const server = await startApi(t, node.ports)
  await upload(server.url, SAMPLE)
  const body = await (await fetch(`${server.url}/api/v3/files/${bare(hashes(SAMPLE).sha256)}`)).json() as { data: { attributes: Record<string, unknown> } }
  st.equal(body.data.attributes.virusmap, undefined)
  st.equal(body.data.attributes.last_analysis_date, undefined)
  st.same(body.data.attributes.last_analysis_results, {})
})

t.test('malformed ids and unknown things', async (st) => {
  const server = await startApi(t, createMemoryNode().ports)
  for (const id of ['abc', 'g'.repeat(64), '0'.repeat(63), '0'.repeat(65), '..%2F..%2Fetc%2Fpasswd', '%00', '0x', ' ' + '0'.repeat(64), 'a'.repeat(150)]) {
    await expectVtError(st, await fetch(`${server.url}/api/v3/files/${id}`), 400, 'BadRequestError')
  }
  for (const id of ['abc', '0'.repeat(32), '0'.repeat(40), '0x' + '0'.repeat(63), '..%2F' + '0'.repeat(64)]) {
    await expectVtError(st, await fetch(`${server.url}/api/v3/analyses/${id}`), 400, 'BadRequestError')
  }
  const long = await fetch(`${server.url}/api/v3/files/${'a'.repeat(5000)}`)
  st.ok(long.status === 400 || long.status === 414, 'over-long ids are refused')
  st.equal(((await long.json()) as { error: { code: string } }).error.code, 'BadRequestError')
  await expectVtError(st, await fetch(`${server.url}/api/v3/files/${'0'.repeat(64)}`), 404, 'NotFoundError')
  await expectVtError(st, await fetch(`${server.url}/api/v3/analyses/0x${'0'.repeat(64)}`), 404, 'NotFoundError')
  await expectVtError(st, await fetch(`${server.url}/api/v3/urls/abc`), 400, 'InvalidArgumentError')
  await expectVtError(st, await fetch(`${server.url}/../../etc/passwd`), 404, 'NotFoundError')
  await expectVtError(st, await fetch(`${server.url}/api/v3/files`, { method: 'DELETE' }), 404, 'NotFoundError')
})

t.test('hostile uploads are refused and store nothing', async (st) => {
  const node = createMemoryNode()
  const server = await startApi(t, node.ports)
  const files = `${server.url}/api/v3/files`

  await expectVtError(st, await upload(server.url, new Uint8Array(MAX + 1)), 413, 'RequestEntityTooLargeError')
  await expectVtError(st, await upload(server.url, new Uint8Array(4 * MAX).fill(7)), 413, 'RequestEntityTooLargeError')
  st.equal(node.stored.size, 0, 'nothing stored after oversize uploads')

  await expectVtError(st, await upload(server.url, SAMPLE, 'other'), 400, 'BadRequestError')
  await expectVtError(st, await fetch(files, { method: 'POST' }), 400, 'BadRequestError')
  await expectVtError(st, await fetch(files, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"file":"x"}' }), 400, 'BadRequestError')
  await expectVtError(st, await fetch(files, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"file":' }), 400, 'BadRequestError')
  const textPlain = await fetch(files, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' })
  st.ok(textPlain.status === 400 || textPlain.status === 415)
  st.equal(((await textPlain.json()) as { error: { code: string } }).error.code, 'BadRequestError')

  const garbage = await fetch(files, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XYZ' }, body: 'not multipart at all' })
  st.equal(garbage.status, 400)
  const noBoundary = await fetch(files, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: '--\r\n' })
  st.equal(noBoundary.status, 400)
  const truncated = '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nhalf a fi'
  const cut = await fetch(files, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XYZ' }, body: truncated })
  st.equal(cut.status, 400)
  st.equal(((await cut.json()) as { error: { code: string } }).error.code, 'BadRequestError')
  st.equal(node.stored.size, 0, 'nothing stored after malformed uploads')

  await expectVtError(st, await upload(server.url, new Uint8Array(0)), 400, 'BadRequestError')

  const two = new FormData()
  two.append('comment', 'fields before the file are allowed')
  two.append('file', new Blob([SAMPLE]), 'one')
  two.append('file', new Blob([new Uint8Array(10)]), 'two')
  for (let i = 0; i < 40; i++) two.append(`f${i}`, 'x')
  const twoRes = await fetch(files, { method: 'POST', body: two })
  st.equal(twoRes.status, 200, 'the first file part is taken; parts after it are not read')
  const proto = new FormData()
  proto.append('__proto__', 'x')
  proto.append('file', new Blob([SAMPLE]), 'p')
  const protoRes = await fetch(files, { method: 'POST', body: proto })
  st.equal(protoRes.status, 200, 'a __proto__ field is dropped, not merged')
  node.stored.clear()

  const hugeHeader = await raw(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`)
  st.match(hugeHeader, /^HTTP\/1\.1 431/)
  const res = await upload(server.url, SAMPLE)
  st.equal(res.status, 200, 'the server still serves after all of that')
  st.equal(node.stored.size, 1)
})

function fail (code?: string): never {
  throw Object.assign(new Error('secret detail /var/lib/x'), code === undefined ? {} : { code })
}

t.test('port errors map to VirusTotal errors; internals do not leak', async (st) => {
  const server = await startApi(t, {
    submitter: { submitFile: async () => fail('SAMPLE_TOO_LARGE') },
    analyses: { getAnalysis: async () => fail('UNAVAILABLE') },
    files: { getFile: async () => fail() }
  })
  await expectVtError(st, await upload(server.url, SAMPLE), 413, 'RequestEntityTooLargeError')
  await expectVtError(st, await fetch(`${server.url}/api/v3/analyses/0x${'1'.repeat(64)}`), 503, 'TransientError')
  const res = await fetch(`${server.url}/api/v3/files/${'1'.repeat(64)}`)
  st.equal(res.status, 500)
  const text = await res.text()
  st.notMatch(text, /secret/)
  st.same(JSON.parse(text), { error: { code: 'InternalError', message: 'internal error' } })
})

t.test('options and lifecycle', async (st) => {
  const ports = createMemoryNode().ports
  st.throws(() => createApiServer({ ports, logger: pino({ level: 'silent' }), maxUploadBytes: 0 }), { code: 'InvalidArgumentError' })
  const server = createApiServer({ ports, logger: pino({ level: 'silent' }), maxUploadBytes: 10 })
  st.throws(() => server.url, /not started/)
  await server.start()
  st.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  await server.stop()
  await server.stop()
  st.throws(() => server.url)
})

t.test('a stop ends connections that carry no request instead of waiting a minute for them', async (st) => {
  const server = createApiServer({ ports: createMemoryNode().ports, logger: pino({ level: 'silent' }), maxUploadBytes: 10 })
  await server.start()
  const { hostname, port } = new URL(server.url)
  const opened = async (): Promise<Socket> => await new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => { resolve(socket) }).once('error', reject)
  })
  // a spare connection never used (browsers and undici open one ahead) and one kept alive after a request
  const spare = await opened()
  const kept = await opened()
  kept.write(`GET /healthz HTTP/1.1\r\nhost: ${hostname}\r\n\r\n`)
  await once(kept, 'data')
  const closed = Promise.all([once(spare, 'close'), once(kept, 'close')])
  // Node's own close left the spare one to its headersTimeout, 60 s; a liveness bound, not a speed figure
  // (unref'd: a pending bound kept the file's process alive 15 s after the stop)
  const stopped = await Promise.race([server.stop().then(() => true), sleep(15_000, false, { ref: false })])
  st.equal(stopped, true, 'the stop did not wait for the idle connections')
  await closed
  st.pass('both connections were ended by the server')
})

t.test('ports get a signal that aborts only when the client goes away', async (st) => {
  const node = createMemoryNode()
  const { promise: aborted, resolve: sawAbort } = Promise.withResolvers<void>()
  const server = await startApi(t, {
    ...node.ports,
    analyses: {
      async getAnalysis (id, options) {
        // a request whose body has been read must not look abandoned
        await new Promise((resolve) => setTimeout(resolve, 30))
        st.equal(options?.signal?.aborted, false, 'not aborted while the client waits')
        return node.ports.analyses.getAnalysis(id)
      }
    },
    files: {
      getFile: async (_hash, options) => new Promise((resolve) => {
        options?.signal?.addEventListener('abort', () => { sawAbort(); resolve(undefined) })
      })
    }
  })
  await expectVtError(st, await fetch(`${server.url}/api/v3/analyses/0x${'2'.repeat(64)}`), 404, 'NotFoundError')
  const controller = new AbortController()
  const gone = fetch(`${server.url}/api/v3/files/${'3'.repeat(64)}`, { signal: controller.signal }).catch(() => 'aborted')
  setTimeout(() => { controller.abort() }, 30)
  st.equal(await gone, 'aborted')
  await aborted
  st.pass('the port saw the client leave')
})

t.test('upload_url for VirusTotal clients that ask for one', async (st) => {
  const server = await startApi(t, createMemoryNode().ports)
  st.same(await (await fetch(`${server.url}/api/v3/files/upload_url`)).json(), { data: `${server.url}/api/v3/files` })
})

t.test('health and metrics come from the status port', async (st) => {
  const plain = await startApi(t, createMemoryNode().ports)
  st.same(await (await fetch(`${plain.url}/healthz`)).json(), { status: 'ok' })
  await expectVtError(st, await fetch(`${plain.url}/metrics`), 404, 'NotFoundError')

  const server = await startApi(t, {
    ...createMemoryNode().ports,
    status: {
      health: () => ({ followedBlock: 12, members: 4, member: true, status: 'hijacked' }),
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'virusmap_up 1\n' })
    }
  })
  st.same(await (await fetch(`${server.url}/healthz`)).json(), { followedBlock: 12, members: 4, member: true, status: 'ok' })
  const metrics = await fetch(`${server.url}/metrics`)
  st.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  const text = await metrics.text()
  st.ok(text.startsWith('virusmap_up 1\n'), 'the node\'s metrics come first')
  // the API's own: request counts by route pattern (the healthz request above was answered already)
  st.match(text, /virusmap_api_requests_total\{route="\/healthz",method="GET",status="200"\} 1/)
  st.match(text, /virusmap_api_request_duration_seconds_bucket\{le="0\.01",route="\/healthz"\}/)
})
