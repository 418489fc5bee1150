/**
 * VirusMap-Lists lookup time per indicator (median, p99) beside a bare Set.has on the canonical
 * subject, in the same run: eth-phishing-detect's data plus a synthetic operator feed of N
 * domains (and a few of each other kind), over a mix of hits and misses of every kind.
 * Three figures: the full engine scan (decode + canonicalize + lookup), the lookup alone
 * (listLookup + the feed and eth-phishing-detect checks) and Set.has. Each call is timed on its
 * own with hrtime, so the timer's own cost (printed) is in every figure.
 * Run: npx node bench/intel-lists.ts [feedEntries=100000] [lookups=20000]
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { canonicalizeIndicator } from '#protocol/indicators.ts'
import type { IndicatorKind } from '#protocol/messages.ts'
import { checkEthPhishing, loadEthPhishingLists } from '../node/src/intel/lists/eth-phishing-lists.ts'
import { createIndicatorFeed } from '../node/src/intel/lists/indicator-feed.ts'
import { createListsEngine, feedMatches, listLookup } from '../node/src/intel/lists/lists-engine.ts'
import type { ScanInput } from '../node/src/scan/engine.ts'

const feedEntries = Number(process.argv[2] ?? 100_000)
const lookups = Number(process.argv[3] ?? 20_000)
const require = createRequire(import.meta.url)
const eth = JSON.parse(readFileSync(require.resolve('eth-phishing-detect/src/config.json'), 'utf8')) as { blacklist: string[], whitelist: string[] }
const top = readFileSync(new URL('../node/data/top-sites.tsv', import.meta.url), 'utf8').split('\n').map(l => l.split('\t')[1] ?? '').filter(h => h !== '')

const hex = (s: string): string => createHash('sha256').update(s).digest('hex')
const operator = Array.from({ length: feedEntries }, (_, i) => `op-${hex(String(i)).slice(0, 12)}.example`)
const dir = mkdtempSync(join(tmpdir(), 'vm-bench-lists-'))
const feedLines = [
  ...operator.map(d => `domain:${d}`),
  ...Array.from({ length: 1000 }, (_, i) => `wallet:0x${hex(`w${i}`).slice(0, 40)}`),
  ...Array.from({ length: 1000 }, (_, i) => `script:${hex(`s${i}`)}`),
  ...Array.from({ length: 1000 }, (_, i) => `url:https://op-url-${i}.example/login`)
]
writeFileSync(join(dir, 'ops.txt'), feedLines.join('\n'))

// the mix: a third hits, the rest misses; domains, URLs (with subdomains), wallets, scripts
const pick = <T>(list: T[], i: number): T => list[(i * 7919) % list.length] as T
const raw: Array<[IndicatorKind, string]> = Array.from({ length: lookups }, (_, i): [IndicatorKind, string] => {
  switch (i % 6) {
    case 0: return ['domain', pick(eth.blacklist, i)]
    case 1: return ['domain', pick(top, i)]
    case 2: return ['url', `https://www.${pick(operator, i)}/path?q=${i}`]
    case 3: return ['url', `https://login.${pick(top, i)}/a/b`]
    case 4: return ['wallet', `eip155:1:0x${hex(`w${i % 2000}`).slice(0, 40)}`]
    default: return ['script', hex(`s${i % 2000}`)]
  }
})
const subjects: Array<[IndicatorKind, string]> = []
for (const [kind, text] of raw) {
  try { subjects.push([kind, canonicalizeIndicator(kind, text)]) } catch { /* a few eth-phishing-detect entries are not domains */ }
}
const inputs: ScanInput[] = subjects.map(([kind, s]) => {
  const bytes = new TextEncoder().encode(s)
  return { bytes, sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`, kind, fileType: kind }
})

const feed = createIndicatorFeed({ name: 'ops', source: join(dir, 'ops.txt'), refreshSeconds: 3600 }, { logger: pino({ level: 'silent' }) })
const engine = createListsEngine({ feeds: [feed], ethPhishingDetect: true })
let start = performance.now()
await engine.start()
const loadMs = performance.now() - start
const lists = await loadEthPhishingLists()
const baseline = new Set([...feed.entries.values()].flatMap(s => [...s]))

const time = (fn: (i: number) => unknown, n: number): number[] => {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    fn(i)
    out.push(Number(process.hrtime.bigint() - t0) / 1000)
  }
  return out
}
const timeAsync = async (fn: (i: number) => Promise<unknown>, n: number): Promise<number[]> => {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    await fn(i)
    out.push(Number(process.hrtime.bigint() - t0) / 1000)
  }
  return out
}
const n = inputs.length
const lookupOnly = (i: number): boolean => {
  const [kind, s] = subjects[i] as [IndicatorKind, string]
  const l = listLookup(kind, s)
  if (feedMatches(feed, l)) return true
  const host = l.ip ?? l.suffixes[0]
  return host !== undefined && checkEthPhishing(lists, host, l.ip === undefined ? l.suffixes : undefined).type === 'blocklist'
}
const setHas = (i: number): boolean => baseline.has((subjects[i] as [IndicatorKind, string])[1])

// warm up every path, then measure
await timeAsync(async i => await engine.scan(inputs[i] as ScanInput), Math.min(n, 2000))
time(lookupOnly, Math.min(n, 2000))
time(setHas, Math.min(n, 2000))
const timer = time(() => undefined, n)
const scan = await timeAsync(async i => await engine.scan(inputs[i] as ScanInput), n)
const lookup = time(lookupOnly, n)
const has = time(setHas, n)
start = performance.now()
let hits = 0
for (let r = 0; r < 10; r++) for (let i = 0; i < n; i++) if (setHas(i)) hits++
const setBatchUs = (performance.now() - start) * 1000 / (10 * n)

let flagged = 0
for (const i of inputs) { const r = await engine.scan(i); if (r.category === 'malicious' || r.category === 'suspicious') flagged++ }
// false positives and recall of eth-phishing-detect's part alone (no operator feed)
const ethOnly = createListsEngine({ feeds: [], ethPhishingDetect: lists })
await ethOnly.start()
const accuracy: string[] = []
for (const [name, list] of [['top-sites top 500', top.slice(0, 500)], ['eth whitelist', eth.whitelist], ['eth blacklist', eth.blacklist]] as const) {
  let scanned = 0
  let hit = 0
  const examples: string[] = []
  for (const d of list) {
    let subject: string
    try { subject = canonicalizeIndicator('domain', d) } catch { continue }
    scanned++
    const r = await ethOnly.scan({ bytes: new TextEncoder().encode(subject), sha256: `0x${hex(subject)}`, kind: 'domain', fileType: 'domain' })
    if (r.category === 'malicious' || r.category === 'suspicious') {
      hit++
      if (name !== 'eth blacklist' && examples.length < 5) examples.push(`${subject} (${r.result})`)
    }
  }
  accuracy.push(`flagged in ${name}: ${hit}/${scanned}${examples.length > 0 ? ` e.g. ${examples.join(', ')}` : ''}`)
}
await ethOnly.stop()
await engine.stop()
rmSync(dir, { recursive: true, force: true })

const q = (xs: number[], p: number): string => { const s = xs.toSorted((a, b) => a - b); return (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(2) }
const row = (name: string, xs: number[]): string => `${name.padEnd(52)}${q(xs, 0.5).padStart(10)}${q(xs, 0.99).padStart(10)}${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2).padStart(10)}`
console.log(`operator feed: ${feedLines.length} entries (${feedEntries} domains), eth-phishing-detect ${lists.version}: ${lists.block.size} blocked, ${lists.allow.size} allowed; engine start ${loadMs.toFixed(0)} ms`)
console.log(`${n} indicators (domain, url, wallet, script; hits and misses), ${flagged} flagged by the engine; Set.has hits ${hits / 10}`)
console.log(`${'µs per indicator'.padEnd(52)}${'median'.padStart(10)}${'p99'.padStart(10)}${'mean'.padStart(10)}`)
console.log(row('VirusMap-Lists scan (decode+canonicalize+lookup)', scan))
console.log(row('lookup alone (listLookup + feed + eth-phishing)', lookup))
console.log(row('bare Set.has(canonical subject) [baseline]', has))
console.log(row('empty timed call (timer cost, in every row)', timer))
console.log(`bare Set.has in a loop, no per-call timer: ${setBatchUs.toFixed(3)} µs mean`)
console.log(`eth-phishing-detect part alone (domains): ${accuracy.join('; ')}`)
