import { connect } from 'node:net'
import t from 'tap'
import { pino } from 'pino'
import { createApiServer } from '../../src/api/index.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { expectVtError } from '../fixtures/api-server.ts'
import type { ApiLimits } from '../../src/api/limits.ts'
import type { ApiPorts, ApiKeyReader } from '../../src/api/ports/index.ts'
import type { Socket } from 'node:net'
import type { Test } from 'tap'

const KEYS: Record<string, string> = { ['a1'.repeat(32)]: 'alice', ['b2'.repeat(32)]: 'bob', ['c3'.repeat(32)]: 'carol' }
const [ALICE, BOB, CAROL] = Object.keys(KEYS) as [string, string, string]
const keys: ApiKeyReader = { find: async (key) => KEYS[key] === undefined ? undefined : { id: KEYS[key] as string, perMinute: 10_000, perDay: 10_000 } }

async function start (st: Test, limits: Partial<ApiLimits>, ports: Partial<ApiPorts> = {}) {
  const node = createMemoryNode()
  const server = createApiServer({
    ports: {
      ...node.ports,
      keys,
      status: { health: () => ({}), metrics: async () => ({ contentType: 'text/plain', body: '' }) },
      submitter: { ...node.ports.submitter, rescan: async () => undefined },
      ...ports
    },
    logger: pino({ level: 'silent' }),
    maxUploadBytes: 8 * 1024 * 1024,
    limits
  })
  await server.start()
  st.teardown(() => server.stop())
  return { server, node }
}

async function metric (url: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return Number(line.exec(text)?.[1] ?? 'NaN')
}

const inFlight = async (url: string): Promise<number> => await metric(url, /^virusmap_api_uploads_in_flight (\d+)$/m)

/** Until `fn` holds, asking again on each turn of the event loop (no wall-clock assertion). */
async function until (fn: () => Promise<boolean>): Promise<void> {
  while (!await fn()) await new Promise(resolve => setTimeout(resolve, 10))
}

const BOUNDARY = 'virusmap-test-boundary'
function multipart (bytes: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
  ])
}

/** An upload whose client sends the headers and `sent` bytes of the body, then goes quiet. */
function stalledUpload (url: string, apiKey: string, sent: (body: Buffer) => number): { socket: Socket, closed: Promise<void> } {
  const body = multipart(Buffer.alloc(64 * 1024, 'x'))
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  const { promise: closed, resolve } = Promise.withResolvers<void>()
  socket.on('close', () => { resolve() })
  socket.on('error', () => {})
  socket.write(`POST /api/v3/files HTTP/1.1\r\nHost: x\r\nx-apikey: ${apiKey}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${body.byteLength}\r\n\r\n`)
  socket.write(body.subarray(0, sent(body)))
  return { socket, closed }
}

function upload (url: string, apiKey: string): Promise<Response> {
  const form = new FormData()
  form.append('file', new Blob(['a small sample']), 'small.txt')
  return fetch(`${url}/api/v3/files`, { method: 'POST', body: form, headers: { 'x-apikey': apiKey } })
}

t.test('uploads in flight are capped per API key and per node with 429 TooManyRequestsError (no waiting)', async (st) => {
  const { server } = await start(st, { maxUploadsPerKey: 1, maxUploadsPerNode: 2, uploadWaitMs: 0 })
  const alice = stalledUpload(server.url, ALICE, body => body.byteLength / 2)
  await until(async () => await inFlight(server.url) === 1)
  const second = await upload(server.url, ALICE)
  st.not(second.headers.get('connection'), 'close', 'a small refused body is read and dropped: the connection stays')
  await expectVtError(st, second, 429, 'TooManyRequestsError')

  const bob = stalledUpload(server.url, BOB, body => body.byteLength / 2)
  await until(async () => await inFlight(server.url) === 2)
  await expectVtError(st, await upload(server.url, CAROL), 429, 'TooManyRequestsError')
  await expectVtError(st, await fetch(`${server.url}/api/v3/files/${'ab'.repeat(32)}/analyse`, { method: 'POST', headers: { 'x-apikey': CAROL } }), 429, 'TooManyRequestsError')

  // a client that gives up frees its slot
  alice.socket.destroy()
  bob.socket.destroy()
  await until(async () => await inFlight(server.url) === 0)
  st.equal((await upload(server.url, ALICE)).status, 200)
  st.equal((await upload(server.url, CAROL)).status, 200)
  st.equal(await metric(server.url, /^virusmap_api_uploads_refused_total\{limit="key"\} (\d+)$/m), 1)
  st.equal(await metric(server.url, /^virusmap_api_uploads_refused_total\{limit="node"\} (\d+)$/m), 2)
})

/** Writes `requests` on one connection and resolves with everything read until `responses` HTTP answers are complete. */
async function exchange (url: string, requests: Buffer[], responses: number): Promise<{ text: string, error?: string }> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  let text = ''
  const { promise, resolve } = Promise.withResolvers<{ text: string, error?: string }>()
  const answered = (): number => text.split('HTTP/1.1 ').length - 1
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1')
    if (answered() >= responses && /\r\n\r\n[^]*\}$|content-length: 0\r\n\r\n$/i.test(text)) { socket.end(); resolve({ text }) }
  })
  socket.on('error', (err: NodeJS.ErrnoException) => { resolve({ text, error: err.code }) })
  socket.on('close', () => { resolve({ text }) })
  for (const r of requests) socket.write(r)
  return await promise
}

const rawRequest = (head: string, body: Buffer = Buffer.alloc(0)): Buffer => Buffer.concat([Buffer.from(`${head}Content-Length: ${body.byteLength}\r\n\r\n`), body])

t.test('a refused upload\'s answer reaches its client: a small body is read and dropped, the connection reused', async (st) => {
  const { server } = await start(st, { maxUploadsPerKey: 1, uploadWaitMs: 0 })
  const body = multipart(Buffer.alloc(512 * 1024, 'x'))
  const head = `POST /api/v3/files HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n`
  // no key: refused by the key check before the route reads a byte
  const { text, error } = await exchange(server.url, [rawRequest(head, body), rawRequest('GET /healthz HTTP/1.1\r\nHost: x\r\n')], 2)
  st.equal(error, undefined, 'no EPIPE or reset while the body was still being sent')
  st.match(text, /^HTTP\/1\.1 401 /, 'the refusal arrives')
  st.notMatch(text, /connection: close/i)
  st.match(text, /HTTP\/1\.1 200 [^]*HTTP\/1\.1 200 |HTTP\/1\.1 401 [^]*HTTP\/1\.1 200 /, 'the same connection then serves the next request')

  // over the cap: the upload slot refusal is the same
  const alice = stalledUpload(server.url, ALICE, b => b.byteLength / 2)
  await until(async () => await inFlight(server.url) === 1)
  const capped = await exchange(server.url, [rawRequest(`${head}x-apikey: ${ALICE}\r\n`, body)], 1)
  st.equal(capped.error, undefined)
  st.match(capped.text, /^HTTP\/1\.1 429 [^]*TooManyRequestsError/)
  alice.socket.destroy()
})

const waitingNow = async (url: string): Promise<number> => await metric(url, /^virusmap_api_uploads_waiting (\d+)$/m)

t.test('an upload over a cap waits its turn with its body unread, and is served when a slot frees', async (st) => {
  const { server } = await start(st, { maxUploadsPerKey: 1, maxUploadsPerNode: 2, uploadWaitMs: 60_000 })
  const alice = stalledUpload(server.url, ALICE, body => body.byteLength / 2)
  await until(async () => await inFlight(server.url) === 1)
  const second = upload(server.url, ALICE)
  const third = upload(server.url, ALICE)
  await until(async () => await waitingNow(server.url) === 2)
  // another key is not held up by alice's line while the node has room
  st.equal((await upload(server.url, BOB)).status, 200, 'bob is served at once')
  alice.socket.destroy()
  st.equal((await second).status, 200, 'the first in line gets the freed slot')
  st.equal((await third).status, 200, 'then the next')
  st.equal(await waitingNow(server.url), 0)
  st.equal(await metric(server.url, /^virusmap_api_uploads_refused_total\{limit="key"\} (\d+)$/m) || 0, 0, 'nothing refused')
})

t.test('the wait is bounded in time: an upload no slot frees for is refused with 429', async (st) => {
  const { server } = await start(st, { maxUploadsPerKey: 1, uploadWaitMs: 300 })
  const alice = stalledUpload(server.url, ALICE, body => body.byteLength / 2)
  await until(async () => await inFlight(server.url) === 1)
  await expectVtError(st, await upload(server.url, ALICE), 429, 'TooManyRequestsError')
  st.equal(await metric(server.url, /^virusmap_api_uploads_refused_total\{limit="wait"\} (\d+)$/m), 1, 'refused once the wait ran out')
  st.equal(await waitingNow(server.url), 0)
  alice.socket.destroy()
})

t.test('the line is bounded per key and per node, and a client that leaves leaves it', async (st) => {
  const { server } = await start(st, { maxUploadsPerKey: 1, maxUploadsPerNode: 2, uploadWaitMs: 60_000, maxUploadsWaiting: 3, maxUploadsWaitingPerKey: 2 })
  const alice = stalledUpload(server.url, ALICE, body => body.byteLength / 2)
  const bob = stalledUpload(server.url, BOB, body => body.byteLength / 2)
  await until(async () => await inFlight(server.url) === 2)
  const controller = new AbortController()
  const form = new FormData()
  form.append('file', new Blob(['leaves']), 'l.txt')
  const leaving = fetch(`${server.url}/api/v3/files`, { method: 'POST', body: form, headers: { 'x-apikey': ALICE }, signal: controller.signal }).catch((err: Error) => err)
  const staying = upload(server.url, ALICE)
  await until(async () => await waitingNow(server.url) === 2)
  await expectVtError(st, await upload(server.url, ALICE), 429, 'TooManyRequestsError')
  st.equal(await waitingNow(server.url), 2, 'a third in alice\'s line is refused at once')
  const bobWaits = upload(server.url, BOB)
  await until(async () => await waitingNow(server.url) === 3)
  await expectVtError(st, await upload(server.url, CAROL), 429, 'TooManyRequestsError')
  st.equal(await waitingNow(server.url), 3, 'and a fourth in the node\'s line')
  controller.abort()
  st.equal((await leaving as Error).name, 'AbortError')
  await until(async () => await waitingNow(server.url) === 2)
  alice.socket.destroy()
  bob.socket.destroy()
  st.equal((await staying).status, 200, 'the one that stayed is served')
  st.equal((await bobWaits).status, 200)
})

t.test('at the default limits, one key\'s batch of 256 uploads at once waits in line: none is refused', async (st) => {
  const { server } = await start(st, {})
  // alice's four slots are held, so everything after waits
  const held = Array.from({ length: 4 }, () => stalledUpload(server.url, ALICE, body => body.byteLength / 2))
  await until(async () => await inFlight(server.url) === 4)
  const batch = Array.from({ length: 256 }, () => upload(server.url, ALICE))
  await until(async () => await waitingNow(server.url) === 256)
  await expectVtError(st, await upload(server.url, ALICE), 429, 'TooManyRequestsError')
  st.equal((await upload(server.url, BOB)).status, 200, 'another key is served beside the line')
  for (const h of held) h.socket.destroy()
  const statuses = (await Promise.all(batch)).map((r) => r.status)
  st.equal(statuses.filter((s) => s === 200).length, 256, 'every upload of the batch is served')
  st.equal(await metric(server.url, /^virusmap_api_uploads_refused_total\{limit="key"\} (\d+)$/m), 1, 'only the one past the line was refused')
})

t.test('an upload stored and waiting for a job slot no longer holds its upload slot', async (st) => {
  const waiting = Promise.withResolvers<void>()
  let stored = 0
  const { server } = await start(st, { maxUploadsPerKey: 1 }, {
    submitter: {
      async submitFile (source, _meta, options) {
        for await (const chunk of source) void chunk
        stored++
        options?.onStored?.()
        // the network is busy: the job waits for admission
        await waiting.promise
        return { analysisId: `0x${'ab'.repeat(32)}`, sha256: `0x${'cd'.repeat(32)}` }
      }
    }
  })
  const first = upload(server.url, ALICE)
  await until(async () => stored === 1)
  st.equal(await inFlight(server.url), 0, 'the stored upload gave its slot back')
  const second = upload(server.url, ALICE)
  await until(async () => stored === 2)
  waiting.resolve()
  st.equal((await first).status, 200)
  st.equal((await second).status, 200, 'the same key uploaded again while the first waited')
})

t.test('a refused body too large to drop is answered with connection: close', async (st) => {
  const { server } = await start(st, {})
  const head = `POST /api/v3/files HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`
  // only the headers are sent: the node answers without waiting for 4 MiB it will not read
  const { text } = await exchange(server.url, [Buffer.from(head)], 1)
  st.match(text, /^HTTP\/1\.1 401 [^]*connection: close/i)
})

t.test('a half-sent upload is cut once its body stalls, and its slot is freed', async (st) => {
  const { server } = await start(st, { maxUploadsPerKey: 1, bodyIdleTimeoutMs: 200 })
  for (const [what, sent] of [
    ['half of the file part', (body: Buffer) => body.byteLength / 2],
    ['nothing past the part headers', (body: Buffer) => body.indexOf('\r\n\r\n') + 4],
    ['half a part header', () => 20],
    ['no body at all', () => 0]
  ] as const) {
    const stalled = stalledUpload(server.url, ALICE, sent)
    await stalled.closed
    st.pass(`the server closed the connection (${what})`)
    await until(async () => await inFlight(server.url) === 0)
    st.equal((await upload(server.url, ALICE)).status, 200, 'the key can upload again')
  }
  st.equal(await metric(server.url, /^virusmap_api_idle_bodies_cut_total (\d+)$/m), 4)
})

t.test('a body the node is slow to read is not the client\'s idleness', async (st) => {
  const { promise: release, resolve } = Promise.withResolvers<void>()
  let received = 0
  const { server } = await start(st, { bodyIdleTimeoutMs: 100 }, {
    submitter: {
      async submitFile (source) {
        // stalls reading for many idle periods, as a slow disk would, then reads the rest
        await release
        for await (const chunk of source) received += chunk.byteLength
        return { analysisId: `0x${'ab'.repeat(32)}`, sha256: `0x${'cd'.repeat(32)}` }
      }
    }
  })
  const form = new FormData()
  form.append('file', new Blob([Buffer.alloc(4 * 1024 * 1024, 'y')]), 'big.bin')
  const answer = fetch(`${server.url}/api/v3/files`, { method: 'POST', body: form, headers: { 'x-apikey': ALICE } })
  // several idle periods pass while the node, not the client, holds the body back
  for (let i = 0; i < 5; i++) await new Promise(r => setTimeout(r, 100))
  resolve()
  st.equal((await answer).status, 200)
  st.equal(received, 4 * 1024 * 1024)
  st.equal(await metric(server.url, /^virusmap_api_idle_bodies_cut_total (\d+)$/m), 0)
})

t.test('idle keep-alive and silent connections are closed', async (st) => {
  const { server } = await start(st, { keepAliveTimeoutMs: 100, connectionTimeoutMs: 200 })
  const { port } = new URL(server.url)
  const closedAfter = async (request: string): Promise<string> => {
    const socket = connect(Number(port), '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', () => {})
    const closed = new Promise<void>(resolve => socket.on('close', () => { resolve() }))
    if (request !== '') socket.write(request)
    await closed
    return Buffer.concat(chunks).toString('latin1')
  }
  const answer = await closedAfter('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n')
  st.match(answer, /^HTTP\/1\.1 200/, 'answered, then the idle keep-alive connection was closed')
  st.equal(await closedAfter(''), '', 'a connection that never sends a byte is closed')
})

t.test('limits must be positive integers', async (st) => {
  const ports = createMemoryNode().ports
  for (const limits of [{ maxUploadsPerKey: 0 }, { maxUploadsPerNode: -1 }, { bodyIdleTimeoutMs: 1.5 }, { requestTimeoutMs: Number.NaN }, { keepAliveTimeoutMs: '5' as unknown as number }]) {
    st.throws(() => createApiServer({ ports, logger: pino({ level: 'silent' }), maxUploadBytes: 10, limits }), { code: 'InvalidArgumentError' }, JSON.stringify(limits))
  }
})
