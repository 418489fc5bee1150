// GET /api/v3/files/{sha256} on a running supernode at concurrency 100, beside a static JSON
// fastify route of the same size (its own process, like the node) measured in the same run.
// Goal: at least half the static route's rate, p99 under 10 ms.
// Run: npx node bench/api.ts [--seconds S] [--rounds N] [--connections C]
//   or against a node you run: --api URL --key KEY --sha256 HASH
// The devnet node logs one line per request at info level, piped through this process to its log
// file; VIRUSMAP_LOG_LEVEL=warn measures the same lookups without the request log.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'
import { createVtClient } from '../node/src/client/vt-client.ts'
import { startDevnet } from '../node/src/devnet/devnet.ts'
import type { Devnet } from '../node/src/devnet/devnet.ts'

interface AutocannonResult {
  requests: { average: number }
  latency: { p50: number, p99: number }
  errors: number
  timeouts: number
  non2xx: number
}
// autocannon ships no types; this is the part of its API used here
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: { url: string, connections: number, duration: number, headers: Record<string, string> }) => Promise<AutocannonResult>

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '100' },
    api: { type: 'string' },
    key: { type: 'string' },
    sha256: { type: 'string' }
  }
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const connections = Number(values.connections)
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('')

/** A fastify server in its own process answering one fixed JSON body of `bytes` bytes. */
async function startStaticServer (bytes: number): Promise<{ url: string, stop(): void }> {
  const code = `
    import Fastify from 'fastify'
    const app = Fastify({ logger: false })
    const pad = ${bytes} - JSON.stringify({ data: { type: 'file', id: 'x', pad: '' } }).length
    const body = JSON.stringify({ data: { type: 'file', id: 'x', pad: 'p'.repeat(Math.max(0, pad)) } })
    app.get('/static', async (_req, reply) => reply.type('application/json; charset=utf-8').send(body))
    await app.listen({ host: '127.0.0.1', port: 0 })
    console.log(app.server.address().port)`
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => { resolve(Number(d.toString().trim())) })
    child.once('exit', (c) => { reject(new Error(`static server exited ${c}`)) })
  })
  return { url: `http://127.0.0.1:${port}/static`, stop: () => { child.kill() } }
}

interface Figures { rps: number, p50: number, p99: number, errors: number, non2xx: number }

async function load (url: string, headers: Record<string, string>): Promise<Figures> {
  const r = await autocannon({ url, connections, duration: seconds, headers })
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx }
}

let devnet: Devnet | undefined
let dir: string | undefined
let target: { url: string, key: string }
if (values.api !== undefined) {
  if (values.key === undefined || values.sha256 === undefined) throw new Error('--api needs --key and --sha256')
  target = { url: `${values.api}/api/v3/files/${values.sha256}`, key: values.key }
} else {
  // one member is its own quorum: the node serves a real signed report without three others loading the CPU
  dir = await mkdtemp(join(tmpdir(), 'virusmap-bench-api-'))
  devnet = await startDevnet({ nodes: 1, dir, port: 0, commitWindowMs: 1000, revealWindowMs: 3000 })
  const api = devnet.info.nodes[0]?.api as string
  const client = createVtClient({ baseUrl: api, apiKey: devnet.info.apiKey })
  const { id } = await client.uploadFile(new TextEncoder().encode(EICAR), { filename: 'eicar.com' })
  const analysis = await client.waitForAnalysis(id, { intervalMs: 200, signal: AbortSignal.timeout(60_000) })
  const sha256 = (analysis as { meta?: { file_info?: { sha256?: string } } }).meta?.file_info?.sha256
  target = { url: `${api}/api/v3/files/${sha256}`, key: devnet.info.apiKey }
}

const probe = await fetch(target.url, { headers: { 'x-apikey': target.key } })
if (probe.status !== 200) throw new Error(`the file lookup answered ${probe.status}: ${await probe.text()}`)
const size = (await probe.arrayBuffer()).byteLength
const stat = await startStaticServer(size)
const staticSize = (await (await fetch(stat.url)).arrayBuffer()).byteLength

const results: { node: Figures[], static: Figures[] } = { node: [], static: [] }
try {
  // interleaved, so background load skews both alike
  for (let i = 0; i < rounds; i++) {
    results.static.push(await load(stat.url, {}))
    results.node.push(await load(target.url, { 'x-apikey': target.key }))
  }
} finally {
  stat.stop()
  await devnet?.stop()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
}

const best = (xs: Figures[]): Figures => xs.toSorted((a, b) => b.rps - a.rps)[0] as Figures
const line = (name: string, f: Figures): string =>
  `${name.padEnd(34)} ${f.rps.toFixed(0).padStart(8)} req/s  p50 ${String(f.p50).padStart(3)} ms  p99 ${String(f.p99).padStart(3)} ms  errors ${f.errors}  non-2xx ${f.non2xx}`
console.log(`GET at concurrency ${connections}, ${seconds} s per run, ${rounds} interleaved rounds (best round shown; all rounds below)`)
console.log(`response body: node ${size} bytes (a quorum report with its signed job and verdict), static ${staticSize} bytes`)
console.log(line('static JSON route (fastify)', best(results.static)))
console.log(line('GET /api/v3/files/{sha256} + key', best(results.node)))
const ratio = best(results.node).rps / best(results.static).rps
console.log(`node / static rate: ${(ratio * 100).toFixed(0)}% (goal >= 50%), node p99 ${best(results.node).p99} ms (goal < 10 ms)`)
for (let i = 0; i < rounds; i++) {
  console.log(`  round ${i + 1}: static ${results.static[i]?.rps.toFixed(0)} req/s p99 ${results.static[i]?.p99} ms; node ${results.node[i]?.rps.toFixed(0)} req/s p99 ${results.node[i]?.p99} ms`)
}
