// Indicator lookup latency through the API: GET /api/v3/domains/{d} and GET /api/v3/urls/{id}
// (by the URL's base64url id and by its sha256) against a node holding their quorum reports,
// beside GET /api/v3/files/{sha256} in the same run, at concurrency 1 and 50 (closed loop).
// Run: npx node bench/intel-api.ts [--seconds S] [--concurrency 1,50]
// A one-member devnet: the node's own report is a real signed quorum of one, and no other
// members load the CPU while it serves.
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'
import { Wallet } from 'ethers'
import { indicatorSha256, signSubmission, vtUrlId } from '#protocol/index.ts'
import { createVtClient } from '../node/src/client/vt-client.ts'
import { startDevnet } from '../node/src/devnet/devnet.ts'

interface AutocannonResult {
  requests: { average: number, total: number }
  latency: { p50: number, p99: number }
  errors: number
  timeouts: number
  non2xx: number
}
// autocannon ships no types; this is the part of its API used here
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: { url: string, connections: number, duration: number, headers: Record<string, string> }) => Promise<AutocannonResult>

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '1,50' } } })
const seconds = Number(values.seconds)
const levels = values.concurrency.split(',').map(Number)
if (!(seconds > 0) || !levels.every((c) => Number.isSafeInteger(c) && c > 0)) throw new Error('--seconds S --concurrency 1,50')
const startLoad = loadavg()[0] ?? 0
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('')
const URL_SUBJECT = 'http://paypal.com.account-verify.example/login?session=1'
const DOMAIN = 'paypa1-login.example'

const dir = await mkdtemp(join(tmpdir(), 'virusmap-bench-intel-'))
const devnet = await startDevnet({ nodes: 1, dir, port: 0, commitWindowMs: 1000, revealWindowMs: 3000 })
try {
  const api = devnet.info.nodes[0]?.api as string
  const key = devnet.info.apiKey
  const client = createVtClient({ baseUrl: api, apiKey: key })
  const wait = { intervalMs: 200, signal: AbortSignal.timeout(60_000) }
  const file = await client.uploadFile(new TextEncoder().encode(EICAR), { filename: 'eicar.com' })
  const url = await client.submitUrl(URL_SUBJECT)
  const user = Wallet.createRandom()
  const submittedAt = Date.now()
  const signature = await signSubmission({ kind: 'domain', sha256: indicatorSha256(DOMAIN), context: '', submittedAt }, devnet.info.chainId, devnet.info.contracts.registry, user)
  const domain = await client.submitIndicator('domain', DOMAIN, { submitter: user.address, submittedAt, signature })
  const fileAnalysis = await client.waitForAnalysis(file.id, wait)
  await client.waitForAnalysis(url.id, wait)
  await client.waitForAnalysis(domain.id, wait)
  const sha256 = fileAnalysis.meta?.file_info?.sha256 as string

  const targets: Array<[string, string]> = [
    ['GET /files/{sha256} (baseline)', `${api}/api/v3/files/${sha256}`],
    ['GET /domains/{domain}', `${api}/api/v3/domains/${DOMAIN}`],
    ['GET /urls/{base64url id}', `${api}/api/v3/urls/${vtUrlId(URL_SUBJECT)}`],
    ['GET /urls/{sha256}', `${api}/api/v3/urls/${indicatorSha256(URL_SUBJECT).slice(2)}`]
  ]
  const sizes: string[] = []
  for (const [name, target] of targets) {
    const res = await fetch(target, { headers: { 'x-apikey': key } })
    const body = await res.arrayBuffer()
    if (res.status !== 200) throw new Error(`${name} answered ${res.status}: ${new TextDecoder().decode(body).slice(0, 200)}`)
    sizes.push(`${name.replace(/^GET /, '')} ${body.byteLength} B`)
  }

  console.log(`indicator lookups beside the file lookup, one-member devnet, ${seconds} s per run, closed loop (${cpus().length} CPUs, load average ${startLoad.toFixed(1)} at the start)`)
  console.log(`response bodies: ${sizes.join(', ')}`)
  for (const c of levels) {
    for (const [name, target] of targets) {
      const r = await autocannon({ url: target, connections: c, duration: seconds, headers: { 'x-apikey': key } })
      console.log(`${name.padEnd(32)} c=${String(c).padStart(3)}  ${r.requests.average.toFixed(0).padStart(7)} req/s  median ${String(r.latency.p50).padStart(3)} ms  p99 ${String(r.latency.p99).padStart(3)} ms  errors ${r.errors + r.timeouts}  non-2xx ${r.non2xx}`)
    }
  }
} finally {
  await devnet.stop()
  await rm(dir, { recursive: true, force: true })
}
