// GET /api/v3/files/{sha256} on a running supernode at concurrency 100, beside a static JSON
// fastify route of the same size (its own process, like the node) measured in the same run.
// Goal: at least half the static route's rate, and a p99 at most twice the static route's.
// Repeated lookups of one file are answered from the node's kept serialized object (object-cache.ts).
// Run: npx node bench/api.ts [--seconds S] [--rounds N] [--connections C] [--generator inline|process] [--pin]
//   [--node-options='--cpu-prof --cpu-prof-dir=DIR'] (the devnet node's NODE_OPTIONS, e.g. to profile it; '=' since the value starts with --)
//   or against a node you run: --api URL --key KEY --sha256 HASH
// --generator process runs autocannon as its own process (its CLI, -j) instead of in this one;
// --pin (Linux taskset) puts the servers under test on CPU 1 and everything else here (this
// process, the generator, anvil) on CPU 0, so the load generator cannot take the servers' core.
// A closed-loop generator keeps C requests in flight, so mean latency is at least C / rate
// (Little's law): the "queueing floor" printed beside p99 is what concurrency alone costs.
// --rate R offers R requests/s over the C connections instead (open loop, autocannon's
// overallRate): latency then shows service time at that load rather than saturation queueing.
// Each server's CPU time per request (user + system, from /proc; the node's includes its
// background work) is printed too: on a shared machine it moves far less than the rates do.
// The devnet node logs an answered request at debug level (a refused one at info);
// VIRUSMAP_LOG_LEVEL=debug measures the same lookups with the access log piped to its file.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'
import { createVtClient } from '../node/src/client/vt-client.ts'
import { startDevnet } from '../node/src/devnet/devnet.ts'
import type { Devnet } from '../node/src/devnet/devnet.ts'

interface AutocannonResult {
  requests: { average: number, total: number }
  latency: { p50: number, p99: number }
  errors: number
  timeouts: number
  non2xx: number
}
// autocannon ships no types; this is the part of its API used here
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: { url: string, connections: number, duration: number, headers: Record<string, string>, overallRate?: number }) => Promise<AutocannonResult>

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '100' },
    api: { type: 'string' },
    key: { type: 'string' },
    sha256: { type: 'string' },
    generator: { type: 'string', default: 'inline' },
    rate: { type: 'string' },
    pin: { type: 'boolean', default: false },
    'node-options': { type: 'string' }
  }
})
if (values.generator !== 'inline' && values.generator !== 'process') throw new Error('--generator is inline or process')
const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon/autocannon.js')
const rate = values.rate === undefined ? undefined : Number(values.rate)
if (rate !== undefined && (!Number.isSafeInteger(rate) || rate < 1)) throw new Error('--rate is requests per second, an integer')
const startLoad = loadavg()[0] ?? 0

/** Moves a process (all its threads) to one CPU; --pin only. */
function pin (pid: number | undefined, cpu: number): void {
  if (!values.pin || pid === undefined) return
  execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' })
}
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const connections = Number(values.connections)
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('')

/** A fastify server in its own process answering one fixed JSON body of `bytes` bytes. */
async function startStaticServer (bytes: number): Promise<{ url: string, pid: number | undefined, stop(): void }> {
  const code = `
    import Fastify from 'fastify'
    const app = Fastify({ logger: false })
    const pad = ${bytes} - JSON.stringify({ data: { type: 'file', id: 'x', pad: '' } }).length
    const body = JSON.stringify({ data: { type: 'file', id: 'x', pad: 'p'.repeat(Math.max(0, pad)) } })
    app.get('/static', async (_req, reply) => reply.type('application/json; charset=utf-8').send(body))
    await app.listen({ host: '127.0.0.1', port: 0 })
    console.log(app.server.address().port)`
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] })
  pin(child.pid, 1)
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => { resolve(Number(d.toString().trim())) })
    child.once('exit', (c) => { reject(new Error(`static server exited ${c}`)) })
  })
  return { url: `http://127.0.0.1:${port}/static`, pid: child.pid, stop: () => { child.kill() } }
}

interface Figures { rps: number, p50: number, p99: number, errors: number, non2xx: number, cpuUs?: number }

/** user + system CPU ms of a process (Linux /proc, USER_HZ 100); undefined elsewhere or without a pid */
function cpuMs (pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** autocannon's own CLI in its own process (pinned with this one under --pin), its JSON result read back. */
async function autocannonProcess (url: string, headers: Record<string, string>): Promise<AutocannonResult> {
  const args = [AUTOCANNON_CLI, '-c', String(connections), '-d', String(seconds), '-j', ...(rate === undefined ? [] : ['-R', String(rate)]), ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), url]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] })
  pin(child.pid, 0)
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const code = await new Promise<number | null>((resolve) => { child.once('exit', resolve) })
  if (code !== 0) throw new Error(`autocannon exited ${code}`)
  return JSON.parse(out) as AutocannonResult
}

/** `server` is the pid answering `url`, for its CPU time per request */
async function load (url: string, headers: Record<string, string>, server: number | undefined): Promise<Figures> {
  const cpuBefore = cpuMs(server)
  const r = values.generator === 'process' ? await autocannonProcess(url, headers) : await autocannon({ url, connections, duration: seconds, headers, ...(rate === undefined ? {} : { overallRate: rate }) })
  const cpuAfter = cpuMs(server)
  const cpuUs = cpuBefore === undefined || cpuAfter === undefined || r.requests.total === 0 ? undefined : (cpuAfter - cpuBefore) * 1000 / r.requests.total
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, ...(cpuUs === undefined ? {} : { cpuUs }) }
}

pin(process.pid, 0)

let devnet: Devnet | undefined
let dir: string | undefined
let target: { url: string, key: string }
if (values.api !== undefined) {
  if (values.key === undefined || values.sha256 === undefined) throw new Error('--api needs --key and --sha256')
  target = { url: `${values.api}/api/v3/files/${values.sha256}`, key: values.key }
} else {
  // one member is its own quorum: the node serves a real signed report without three others loading the CPU
  dir = await mkdtemp(join(tmpdir(), 'virusmap-bench-api-'))
  devnet = await startDevnet({ nodes: 1, dir, port: 0, commitWindowMs: 1000, revealWindowMs: 3000, ...(values['node-options'] === undefined ? {} : { nodeOptions: values['node-options'] }) })
  const api = devnet.info.nodes[0]?.api as string
  const client = createVtClient({ baseUrl: api, apiKey: devnet.info.apiKey })
  const { id } = await client.uploadFile(new TextEncoder().encode(EICAR), { filename: 'eicar.com' })
  const analysis = await client.waitForAnalysis(id, { intervalMs: 200, signal: AbortSignal.timeout(60_000) })
  const sha256 = (analysis as { meta?: { file_info?: { sha256?: string } } }).meta?.file_info?.sha256
  target = { url: `${api}/api/v3/files/${sha256}`, key: devnet.info.apiKey }
  pin(devnet.processes[0]?.child.pid, 1)
  pin(devnet.anvil.process.pid, 0)
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
    results.static.push(await load(stat.url, {}, stat.pid))
    results.node.push(await load(target.url, { 'x-apikey': target.key }, devnet?.processes[0]?.child.pid))
  }
} finally {
  stat.stop()
  await devnet?.stop()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
}

const best = (xs: Figures[]): Figures => xs.toSorted((a, b) => b.rps - a.rps)[0] as Figures
/** Little's law for a closed loop: C requests always in flight at rate R wait C / R on average */
const floorMs = (f: Figures): string => (connections / f.rps * 1000).toFixed(1)
const line = (name: string, f: Figures): string =>
  `${name.padEnd(34)} ${f.rps.toFixed(0).padStart(8)} req/s  p50 ${String(f.p50).padStart(3)} ms  p99 ${String(f.p99).padStart(3)} ms  ${rate === undefined ? `queueing floor ${floorMs(f)} ms  ` : ''}${f.cpuUs === undefined ? '' : `cpu ${f.cpuUs.toFixed(0)} us/req  `}errors ${f.errors}  non-2xx ${f.non2xx}`
console.log(`GET at concurrency ${connections}${rate === undefined ? ' (closed loop)' : `, offered ${rate} req/s (open loop)`}, ${seconds} s per run, ${rounds} interleaved rounds (best round shown; all rounds below)`)
console.log(`load generator: autocannon ${values.generator === 'process' ? 'in its own process' : 'inside this process'}${values.pin ? '; servers pinned to CPU 1, generator and the rest to CPU 0' : ''} (${cpus().length} CPUs, load average ${startLoad.toFixed(1)} at the start)`)
console.log(`response body: node ${size} bytes (a quorum report with its signed job and verdict), static ${staticSize} bytes`)
console.log(line('static JSON route (fastify)', best(results.static)))
console.log(line('GET /api/v3/files/{sha256} + key', best(results.node)))
/** the node's rate as a share of the static route's, and its p99 as a multiple of the static p99 */
const ratios = (node: Figures, fixed: Figures): string =>
  `rate ${(node.rps / fixed.rps * 100).toFixed(0)}% of static (goal >= 50%), p99 ${(node.p99 / Math.max(fixed.p99, 1)).toFixed(1)}x static (goal <= 2x)` +
  (node.cpuUs === undefined || fixed.cpuUs === undefined ? '' : `, CPU per request ${(node.cpuUs / fixed.cpuUs).toFixed(1)}x static`)
console.log(`node / static: ${ratios(best(results.node), best(results.static))}`)
for (let i = 0; i < rounds; i++) {
  const fixed = results.static[i] as Figures
  const node = results.node[i] as Figures
  console.log(`  round ${i + 1}: static ${fixed.rps.toFixed(0)} req/s p99 ${fixed.p99} ms${fixed.cpuUs === undefined ? '' : ` cpu ${fixed.cpuUs.toFixed(0)} us/req`}; node ${node.rps.toFixed(0)} req/s p99 ${node.p99} ms${node.cpuUs === undefined ? '' : ` cpu ${node.cpuUs.toFixed(0)} us/req`}; ${ratios(node, fixed)}`)
}
