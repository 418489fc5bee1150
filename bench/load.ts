// Concurrent submissions on an N-member devnet: how many end completed/failed, the submit-to-report
// latency distribution, and each supernode's RSS idle and at peak, beside the same devnet's latency
// for one submission alone (the baseline, measured first in the same run).
// Throughput is completed jobs per second of wall time from the first upload to the last end.
// Run: npx node bench/load.ts [--nodes 4] [--concurrency 20] [--size 65536] [--timeout 300]
//        [--through all|one] [--poll-ms 1000] [--profile DIR] [--rpc-count] [--idle-after 0] [--config JSON] [--keep]
//        [--node-options='--max-semi-space-size=32'] [--warmup N] [--rounds N]
// --through one sends every upload to node 0 (the issue's "through one node"); --profile writes a
// V8 CPU profile per supernode into DIR when the devnet stops (open in Chrome devtools); --rpc-count
// prints the JSON-RPC requests each idle supernode sends a second, by method (bench/rpc-count.ts);
// --idle-after waits that many seconds after the start before the idle sample (a node just started
// has followed fewer blocks than one that has run a while). CPU per job is also split by part
// (bench/cpu-parts.ts: event loop, worker threads, libuv threadpool, V8, each scanner process).
// --warmup N first runs N submissions the same way and waits for them to end, so the measured ones meet
// nodes whose code V8 has already compiled and optimised, as a node that has run a while is; the
// warm-up's own figures are printed beside (a cold start's). --rounds N measures N rounds of --concurrency
// submissions one after another on the same devnet, and prints each and the median: this shared machine's
// speed moves by a fifth from run to run, so one round alone says little.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { JOB_MESSAGE_TOPICS } from '#protocol/messages.ts'
import { createVtClient } from '../node/src/client/vt-client.ts'
import { startDevnet } from '../node/src/devnet/devnet.ts'
import type { SupernodeConfig } from '../node/src/supernode/config.ts'
import { cpuParts, partsUsed, totalSeconds } from './cpu-parts.ts'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '20' },
    size: { type: 'string', default: String(64 * 1024) },
    timeout: { type: 'string', default: '300' },
    through: { type: 'string', default: 'all' },
    // a VT client polls an analysis every few seconds; 200 clients at 200 ms would be load of their own
    'poll-ms': { type: 'string', default: '1000' },
    profile: { type: 'string' },
    // the supernodes' extra NODE_OPTIONS, e.g. --node-options='--max-semi-space-size=32' ('=' since the value starts with --)
    'node-options': { type: 'string' },
    'rpc-count': { type: 'boolean', default: false },
    'idle-after': { type: 'string', default: '0' },
    warmup: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '1' },
    // supernode settings over the devnet's, as JSON: '{"maxActiveJobs":64,"maxUploadsPerKey":16}'
    config: { type: 'string' },
    keep: { type: 'boolean', default: false }
  }
})
const nodes = Number(values.nodes)
const concurrency = Number(values.concurrency)
const size = Number(values.size)
const timeoutMs = Number(values.timeout) * 1000
const throughOne = values.through === 'one'
const pollMs = Number(values['poll-ms'])

/** RSS of a supernode and its children (the warm YARA scanners), the memory a member costs this machine */
async function rssMiB (pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(' ').filter((s) => s !== '').map(Number)
  return kb / 1024 + (await Promise.all(children.map(rssMiB))).reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0)
}

const IDLE_SAMPLE_MS = 10_000

/** CPU seconds a supernode and its live children (the warm scanners) have used so far */
const cpuSeconds = async (pid: number | undefined): Promise<number> => totalSeconds(await cpuParts(pid))

/** gossip messages each node published, by topic (the node's /metrics): a bundle carries several signed messages */
async function published (api: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${api}/metrics`)).text()
  return new Map([...text.matchAll(/^virusmap_gossip_published_total\{topic="([a-z]+)"\} (\d+)$/gm)].map(([, topic, n]) => [topic as string, Number(n)]))
}

async function publishedByTopic (): Promise<Map<string, number>> {
  const sum = new Map<string, number>()
  for (const m of await Promise.all(devnet.info.nodes.map(async (n) => await published(n.api)))) {
    for (const [topic, n] of m) sum.set(topic, (sum.get(topic) ?? 0) + n)
  }
  return sum
}

function quantile (xs: number[], q: number): number {
  const s = xs.toSorted((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
}

/** each supernode's RPC requests so far by method (bench/rpc-count.ts writes them every 500 ms) */
async function rpcCounts (pid: number | undefined): Promise<Record<string, number>> {
  return JSON.parse(await readFile(join(dir, 'rpc', `${pid}.json`), 'utf8').catch(() => '{}')) as Record<string, number>
}

const dir = await mkdtemp(join(tmpdir(), 'virusmap-load-'))
const nodeOptions = [
  ...(values.profile !== undefined ? [`--cpu-prof --cpu-prof-dir=${values.profile}`] : []),
  ...(values['rpc-count'] === true ? [`--import=${join(import.meta.dirname, 'rpc-count.ts')}`] : []),
  ...(values['node-options'] !== undefined ? [values['node-options']] : [])
].join(' ')
if (values['rpc-count'] === true) {
  await mkdir(join(dir, 'rpc'))
  // the nodes inherit the environment
  process.env.VIRUSMAP_RPC_COUNT_DIR = join(dir, 'rpc')
}
const started = performance.now()
const devnet = await startDevnet({
  nodes,
  dir,
  port: 0,
  ...(nodeOptions !== '' ? { nodeOptions } : {}),
  ...(values.config !== undefined ? { overrides: JSON.parse(values.config) as Partial<SupernodeConfig> } : {})
})
const startSeconds = (performance.now() - started) / 1000
const pids = devnet.processes.map((p) => p.child.pid)
const clients = devnet.info.nodes.map((n) => createVtClient({ baseUrl: n.api, apiKey: devnet.info.apiKey }))

/** a refused upload (429 over the caps, 503 while admission is full) is retried after a pause, as a VT client would */
const RETRIABLE = new Set([429, 503])
/**
 * and so is one whose connection was reset before an answer: a pooled keep-alive socket the node closed
 * while this loaded process had not yet seen the close. An upload is idempotent (the same bytes join
 * the same analysis), so sending it again is safe.
 */
const RESET = /ECONNRESET|EPIPE|UND_ERR_SOCKET/

async function upload (client: (typeof clients)[number], bytes: Uint8Array, i: number, signal: AbortSignal): Promise<string> {
  for (let pause = 250; ; pause = Math.min(4000, pause * 2)) {
    try {
      return (await client.uploadFile(bytes, { filename: `load-${i}.bin`, signal })).id
    } catch (err) {
      const reset = (err as { code?: string }).code === 'NetworkError' && RESET.test((err as Error).message)
      if ((!RETRIABLE.has((err as { status?: number }).status ?? 0) && !reset) || signal.aborted) throw err
      if (reset) resets++
      else retries++
      await new Promise((resolve) => setTimeout(resolve, pause))
    }
  }
}

let retries = 0
let resets = 0
const errors = new Map<string, number>()

async function submitOne (i: number): Promise<{ ms: number, status: string }> {
  const client = clients[throughOne ? 0 : i % clients.length] as (typeof clients)[number]
  const t0 = performance.now()
  try {
    const id = await upload(client, randomBytes(size), i, AbortSignal.timeout(timeoutMs))
    const done = await client.waitForAnalysis(id, { intervalMs: pollMs, signal: AbortSignal.timeout(timeoutMs) })
    return { ms: performance.now() - t0, status: String(done.data.attributes.status) }
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).name
    errors.set(`${code}: ${(err as Error).message}`, (errors.get(`${code}: ${(err as Error).message}`) ?? 0) + 1)
    return { ms: performance.now() - t0, status: `error: ${code}` }
  }
}

interface Round { jobs: number, completed: number, seconds: number, cpuMs: number }

/** `jobs` submissions at once (numbered from `first`, so their bytes differ from every other round's), to their ends */
async function round (jobs: number, first: number): Promise<Round> {
  const cpu0 = await Promise.all(pids.map(cpuSeconds))
  const t0 = performance.now()
  const done = await Promise.all(Array.from({ length: jobs }, async (_, i) => await submitOne(first + i)))
  const cpuMs = (await Promise.all(pids.map(cpuSeconds))).reduce((a, c, i) => a + c - (cpu0[i] ?? 0), 0) * 1000
  return { jobs, completed: done.filter((r) => r.status === 'completed').length, seconds: (performance.now() - t0) / 1000, cpuMs }
}

const rate = (r: Round): number => r.completed / r.seconds
const cpuPerJob = (r: Round): number => r.cpuMs / Math.max(1, r.completed)

try {
  await new Promise((resolve) => setTimeout(resolve, Number(values['idle-after']) * 1000))
  const idle = await Promise.all(pids.map(rssMiB))
  // what members cost the machine doing nothing (chain polling, gossip heartbeats, timers)
  const idleCpu0 = await Promise.all(pids.map(cpuSeconds))
  const idleRpc0 = await Promise.all(pids.map(rpcCounts))
  await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS))
  const idleCpu = (await Promise.all(pids.map(cpuSeconds))).map((c, i) => (c - (idleCpu0[i] ?? 0)) / (IDLE_SAMPLE_MS / 1000))
  const idleRpc = (await Promise.all(pids.map(rpcCounts))).map((now, i) => Object.fromEntries(Object.entries(now).map(([k, n]) => [k, (n - (idleRpc0[i]?.[k] ?? 0)) / (IDLE_SAMPLE_MS / 1000)])))
  const baseline = await submitOne(0)
  const warmup = Number(values.warmup)
  const warm = warmup > 0 ? await round(warmup, concurrency + 1) : undefined
  if (warm !== undefined) {
    // the figures below are the measured round's
    retries = 0
    resets = 0
    errors.clear()
  }
  let peak = idle.map(() => 0)
  const sampler = setInterval(() => {
    Promise.all(pids.map(rssMiB)).then((now) => { peak = peak.map((p, i) => Math.max(p, now[i] ?? 0)) }).catch(() => {})
  }, 500)
  const parts0 = await Promise.all(pids.map(cpuParts))
  const published0 = await publishedByTopic()
  const t0 = performance.now()
  const results = await Promise.all(Array.from({ length: concurrency }, async (_, i) => await submitOne(i + 1)))
  const wall = performance.now() - t0
  clearInterval(sampler)
  const parts1 = await Promise.all(pids.map(cpuParts))
  const cpu = parts1.map((p, i) => totalSeconds(p) - totalSeconds(parts0[i] ?? new Map()))
  const parts = partsUsed(parts0, parts1)
  const sent = [...await publishedByTopic()].map(([topic, n]): [string, number] => [topic, n - (published0.get(topic) ?? 0)])
  const completed = results.filter((r) => r.status === 'completed')
  const byStatus = Object.entries(Object.groupBy(results, (r) => r.status)).map(([s, rs]) => `${s} ${rs?.length ?? 0}`).join(', ')
  const ms = completed.map((r) => r.ms)
  console.log(`${nodes}-member devnet (started in ${startSeconds.toFixed(0)} s), ${concurrency} concurrent ${(size / 1024).toFixed(0)} KiB submissions ${throughOne ? 'through node 0' : 'spread over the members\' APIs'}, polled every ${pollMs} ms`)
  console.log(`  baseline, one submission alone: ${baseline.status} in ${baseline.ms.toFixed(0)} ms`)
  if (warm !== undefined) console.log(`  warm-up first (nodes cold): ${warm.completed} of ${warm.jobs} completed in ${warm.seconds.toFixed(1)} s (${rate(warm).toFixed(1)} completed jobs/s), CPU per completed job ${cpuPerJob(warm).toFixed(0)} ms`)
  console.log(`  under load: ${byStatus}; all ended in ${(wall / 1000).toFixed(1)} s (${(completed.length / (wall / 1000)).toFixed(1)} completed jobs/s); ${retries} uploads refused (429/503) and retried, ${resets} sent again after a connection reset`)
  for (const [message, n] of [...errors].toSorted((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`  ${n} x ${message}`)
  console.log(`  latency of completed: median ${quantile(ms, 0.5).toFixed(0)} ms, p95 ${quantile(ms, 0.95).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`)
  const perJob = (seconds: number): string => `${(seconds * 1000 / Math.max(1, completed.length)).toFixed(0)} ms`
  console.log(`  CPU per completed job, supernodes and their scanners: ${perJob(cpu.reduce((a, b) => a + b, 0))} in all; node 0 ${perJob(cpu[0] ?? NaN)}, each other member median ${perJob(quantile(cpu.slice(1), 0.5))} (the machine has ${availableParallelism()} cores: ${(availableParallelism() * 1000 / 20).toFixed(0)} ms a job in all is 20 jobs/s)`)
  console.log(`  of which, all members together: ${[...parts].filter(([, s]) => s * 1000 / Math.max(1, completed.length) >= 0.5).toSorted((a, b) => b[1] - a[1]).map(([part, s]) => `${part} ${perJob(s)}`).join(', ')}`)
  const perJob1 = (n: number): string => (n / Math.max(1, completed.length)).toFixed(1)
  const signed = sent.filter(([topic]) => topic !== 'bundles')
  const bundled = signed.filter(([topic]) => (JOB_MESSAGE_TOPICS as readonly string[]).includes(topic)).reduce((a, [, n]) => a + n, 0)
  const onTheWire = signed.reduce((a, [, n]) => a + n, 0) - bundled + (sent.find(([topic]) => topic === 'bundles')?.[1] ?? 0)
  console.log(`  gossip per completed job: ${perJob1(signed.reduce((a, [, n]) => a + n, 0))} signed messages (${signed.map(([t, n]) => `${t} ${perJob1(n)}`).join(', ')}) in ${perJob1(onTheWire)} gossip messages`)
  console.log(`  idle CPU per supernode: median ${(100 * quantile(idleCpu, 0.5)).toFixed(1)}% of a core (max ${(100 * Math.max(...idleCpu)).toFixed(1)}%); all ${(100 * idleCpu.reduce((a, b) => a + b, 0)).toFixed(0)}%`)
  if (values['rpc-count'] === true) {
    const methods = [...new Set(idleRpc.flatMap((c) => Object.keys(c)))].toSorted()
    const all = idleRpc.map((c) => Object.entries(c).filter(([k]) => !k.includes(' ')).reduce((a, [, n]) => a + n, 0))
    console.log(`  idle RPC requests per supernode a second: median ${quantile(all, 0.5).toFixed(1)} (${all.map((n) => n.toFixed(1)).join(', ')})`)
    for (const m of methods) console.log(`    ${m}: ${idleRpc.map((c) => (c[m] ?? 0).toFixed(1)).join(', ')}`)
  }
  // more rounds on the same warm devnet: one run gives the spread, which on a shared machine is wide
  const rounds = [{ jobs: concurrency, completed: completed.length, seconds: wall / 1000, cpuMs: cpu.reduce((a, b) => a + b, 0) * 1000 }]
  for (let r = 1; r < Number(values.rounds); r++) {
    rounds.push(await round(concurrency, concurrency + 1 + warmup + (r - 1) * concurrency))
    const last = rounds.at(-1) as Round
    console.log(`  round ${r + 1}: ${last.completed} of ${last.jobs} completed in ${last.seconds.toFixed(1)} s (${rate(last).toFixed(1)} completed jobs/s), CPU per completed job ${cpuPerJob(last).toFixed(0)} ms`)
  }
  if (rounds.length > 1) {
    console.log(`  ${rounds.length} rounds: median ${quantile(rounds.map(rate), 0.5).toFixed(1)} completed jobs/s (min ${Math.min(...rounds.map(rate)).toFixed(1)}, max ${Math.max(...rounds.map(rate)).toFixed(1)}), CPU per completed job median ${quantile(rounds.map(cpuPerJob), 0.5).toFixed(0)} ms`)
  }
  console.log(`  RSS per supernode (with its scanner processes) idle: median ${quantile(idle, 0.5).toFixed(0)} MiB (min ${Math.min(...idle).toFixed(0)}, max ${Math.max(...idle).toFixed(0)})`)
  console.log(`  RSS per supernode peak: median ${quantile(peak, 0.5).toFixed(0)} MiB (max ${Math.max(...peak).toFixed(0)}); all supernodes idle ${idle.reduce((a, b) => a + b, 0).toFixed(0)} MiB`)
} finally {
  await devnet.stop()
  if (values.keep === true) console.log(`devnet kept in ${dir} (each node's supernode.log)`)
  else await rm(dir, { recursive: true, force: true })
}
