/**
 * VirusMap-Reputation scan latency: the full engine scan (subject parse, features, brute-force KNN
 * over the shipped model's rows, tree, rules) beside the subject parse alone, over the same hosts
 * in the same run. Run: npx node bench/reputation-engine.ts [scans]
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createReputationEngine } from '../node/src/intel/reputation/reputation-engine.ts'
import { subjectHost } from '../node/src/intel/reputation/subject.ts'
import type { ScanInput } from '../node/src/scan/engine.ts'

const scans = Number(process.argv[2] ?? 5000)
const hosts = readFileSync(new URL('../node/data/top-sites.tsv', import.meta.url), 'utf8').split('\n')
  .map(l => l.split('\t')[1]).filter((h): h is string => h !== undefined)
const phish = ['metamask-wallet-restore.xyz', 'claim-airdrop-uniswap.netlify.app', 'xn--mtamask-7gg.io', 'secure-login-ledger.com']
const texts = Array.from({ length: scans }, (_, i) => i % 2 === 0 ? hosts[i % hosts.length]! : phish[i % phish.length]!)
const inputs: ScanInput[] = texts.map(t => {
  const bytes = new TextEncoder().encode(t)
  return { bytes, sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`, kind: 'domain', fileType: 'domain' }
})

const engine = createReputationEngine()
await engine.start()
for (const i of inputs.slice(0, 200)) await engine.scan(i) // warm up

let start = performance.now()
for (const t of texts) subjectHost('domain', t)
const parseMs = performance.now() - start

start = performance.now()
const latencies: number[] = []
for (const i of inputs) {
  const s = performance.now()
  await engine.scan(i)
  latencies.push(performance.now() - s)
}
const scanMs = performance.now() - start
await engine.stop()
const sorted = latencies.toSorted((a, b) => a - b)
const q = (p: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(3)
console.log(`${scans} domains (half top-sites, half phishing-shaped)`)
console.log(`baseline subjectHost parse : ${(parseMs * 1000 / scans).toFixed(1)} µs/domain`)
console.log(`engine.scan               : ${(scanMs * 1000 / scans).toFixed(1)} µs/domain, ${(scans / scanMs * 1000).toFixed(0)} scans/s, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`)
