// Resident memory of a node process (bench/memory-node.ts: the HTTP API over a real sample store)
// idle, during a 400 MiB upload, and during 10 parallel rescans of that sample, beside a bare Node
// process and the node's own idle figure in the same run. RSS is read from /proc every 10 ms; each
// phase reports its peak. The upload streams from this process, so the node sees it arrive in
// pieces; the rescans run in a restarted node over the same data, so they start from idle.
// Run: npx node bench/memory.ts [MiB] [rescans]     (Linux: reads /proc/PID/status)
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ChildProcess } from 'node:child_process'

const MIB = 1024 * 1024
const sizeMiB = Number(process.argv[2] ?? 400)
const rescans = Number(process.argv[3] ?? 10)
const BOUNDARY = 'virusmap-bench-boundary'

async function rssKiB (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN)
}

/** Peak RSS of `pid` while `work` runs, sampled every 10 ms. */
async function peakDuring (pid: number, work: () => Promise<unknown>): Promise<{ peakMiB: number, ms: number }> {
  let peak = await rssKiB(pid)
  const timer = setInterval(() => { rssKiB(pid).then((kib) => { peak = Math.max(peak, kib) }, () => {}) }, 10)
  const started = performance.now()
  try {
    await work()
  } finally {
    clearInterval(timer)
  }
  return { peakMiB: Math.max(peak, await rssKiB(pid)) / 1024, ms: performance.now() - started }
}

const settle = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

function startProcess (args: string[]): ChildProcess {
  // fastify's deprecation notice about an option the node still uses is noise here
  return spawn(process.execPath, ['--disable-warning=FastifyDeprecation', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
}

async function firstLine (child: ChildProcess): Promise<string> {
  for await (const chunk of child.stdout ?? []) return String(chunk).trim()
  throw new Error('the node exited before printing its URL')
}

/** POST /api/v3/files with a multipart body of `size` random bytes, generated as it is sent. */
async function upload (url: string, size: number): Promise<{ status: number, body: string }> {
  const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
  async function * body (): AsyncGenerator<Buffer> {
    yield head
    for (let sent = 0; sent < size; sent += MIB) yield randomBytes(Math.min(MIB, size - sent))
    yield tail
  }
  const req = request(`${url}/api/v3/files`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(head.byteLength + size + tail.byteLength) }
  })
  const answered = new Promise<{ status: number, body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }) })
    })
    req.on('error', reject)
  })
  await pipeline(Readable.from(body()), req)
  return await answered
}

async function rescan (url: string, sha256: string): Promise<number> {
  const res = await fetch(`${url}/api/v3/files/${sha256.slice(2)}/analyse`, { method: 'POST' })
  await res.arrayBuffer()
  return res.status
}

/** A node on `dir`, ready and settled; stop() ends it. */
async function startNode (dir: string): Promise<{ url: string, pid: number, stop: () => Promise<void> }> {
  const child = startProcess([join(import.meta.dirname, 'memory-node.ts'), dir])
  const exited = new Promise(resolve => child.once('exit', resolve))
  const url = await firstLine(child)
  await settle(1000)
  return { url, pid: child.pid as number, stop: async () => { child.kill('SIGTERM'); await exited } }
}

const row = (what: string, mib: number, note = ''): void => {
  console.log(`${what.padEnd(48)} ${mib.toFixed(0).padStart(6)} MiB  ${note}`)
}

const dir = await mkdtemp(join(tmpdir(), 'virusmap-bench-memory-'))
const bare = startProcess(['-e', 'setInterval(() => {}, 1000)'])
const stops: Array<() => Promise<void>> = []
try {
  console.log(`memory bench: ${sizeMiB} MiB upload, ${rescans} parallel rescans (node ${process.version}, RSS sampled every 10 ms)`)
  await settle(1000)
  row('bare node process, idle (baseline)', await rssKiB(bare.pid as number) / 1024)

  const first = await startNode(join(dir, 'node'))
  stops.push(first.stop)
  const idle = await rssKiB(first.pid) / 1024
  row('node API + sample store, idle (baseline)', idle)
  let sha256 = ''
  const uploaded = await peakDuring(first.pid, async () => {
    const answer = await upload(first.url, sizeMiB * MIB)
    if (answer.status !== 200) throw new Error(`upload answered ${answer.status}: ${answer.body}`)
    sha256 = (JSON.parse(answer.body) as { data: { id: string } }).data.id
  })
  row(`  peak during the ${sizeMiB} MiB upload`, uploaded.peakMiB, `+${(uploaded.peakMiB - idle).toFixed(0)} MiB over idle; ${(sizeMiB / (uploaded.ms / 1000)).toFixed(0)} MiB/s end to end`)
  await first.stop()

  // a fresh process over the same data, so the rescans start from idle and not from what the upload's garbage left
  const second = await startNode(join(dir, 'node'))
  stops.push(second.stop)
  const idleAgain = await rssKiB(second.pid) / 1024
  row('node restarted on that data, idle (baseline)', idleAgain)
  const rescanned = await peakDuring(second.pid, async () => {
    const statuses = await Promise.all(Array.from({ length: rescans }, async () => await rescan(second.url, sha256)))
    if (statuses.some(s => s !== 200)) throw new Error(`rescans answered ${statuses.join(', ')}`)
  })
  row(`  peak during ${rescans} parallel rescans`, rescanned.peakMiB, `+${(rescanned.peakMiB - idleAgain).toFixed(0)} MiB over idle; ${rescanned.ms.toFixed(0)} ms for all`)
} finally {
  bare.kill()
  for (const stop of stops) await stop()
  await rm(dir, { recursive: true, force: true })
}
