/**
 * Retrohunt (SPEC 19) against native `yara` on the same files: a member's store holds N samples (files of
 * /usr/bin, /usr/sbin and /usr/lib/x86_64-linux-gnu, ingested encrypted, each with a final report), a vendor's ruleset runs over them with
 * runRetrohunt (decrypting each sample from the blockstore, one YARA-X scanner process), and Debian's
 * `yara` runs the same rules over the plain files. Prints both throughputs and whether the matched sets
 * are the same sample for sample.
 *
 *   npx node bench/retrohunt.ts [--samples 1000] [--max-kb 512]
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import type { Hex } from '#protocol/messages.ts'
import { HuntRepository } from '../node/src/db/hunt-repository.ts'
import { openDatabase, PendingIngestRepository, ReportRepository, SampleRepository } from '../node/src/db/index.ts'
import { createHuntNotifier } from '../node/src/hunt/hunt-notify.ts'
import { runRetrohunt } from '../node/src/hunt/retrohunt.ts'
import { createSampleStore } from '../node/src/ingest/index.ts'
import { createDurableBlockstore } from '../node/src/ipfs/index.ts'
import { MEMBERS, signedReport } from '../node/test/fixtures/signed-reports.ts'

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i === -1 ? undefined : args[i + 1] }
const SAMPLES = Number(flag('--samples') ?? 1000)
const MAX_BYTES = Number(flag('--max-kb') ?? 512) * 1024
const RULES = `rule elf_exec { condition: uint32(0) == 0x464c457f and uint16(16) == 2 }
rule elf_pie { condition: uint32(0) == 0x464c457f and uint16(16) == 3 }
rule glibc_234 { strings: $a = "GLIBC_2.34" condition: $a }
rule shell_script { strings: $a = "#!/bin/sh" condition: $a at 0 }
rule usage_text { strings: $a = /[Uu]sage: [a-z0-9_-]{2,20} \\[/ condition: $a }
`

// real binaries and scripts of this machine, deduplicated by content
const files = ['/usr/bin', '/usr/sbin', '/usr/lib/x86_64-linux-gnu'].flatMap((d) => readdirSync(d).toSorted().map((f) => join(d, f))).filter((f) => {
  const st = statSync(f, { throwIfNoEntry: false })
  return st !== undefined && st.isFile() && st.size > 0 && st.size <= MAX_BYTES
})
const seen = new Set<string>()
const corpus: Array<{ path: string, sha256: Hex }> = []
for (const path of files) {
  const sha256 = `0x${createHash('sha256').update(readFileSync(path)).digest('hex')}` as Hex
  if (seen.has(sha256)) continue
  seen.add(sha256)
  corpus.push({ path, sha256 })
  if (corpus.length === SAMPLES) break
}
const bytes = corpus.reduce((n, f) => n + statSync(f.path).size, 0)
const dir = mkdtempSync(join(tmpdir(), 'virusmap-retro-bench-'))
const logger = pino({ level: 'silent' })
const db = await openDatabase({ path: join(dir, 'db') })
const blockstore = createDurableBlockstore({ path: join(dir, 'blocks') })
await blockstore.open()
const samples = new SampleRepository(db)
const store = createSampleStore({ blockstore, samples, pending: new PendingIngestRepository(db), spoolDir: join(dir, 'spool'), logger, maxSampleBytes: MAX_BYTES })
await store.start()
const reports = new ReportRepository(db)
for (const f of corpus) {
  const content = readFileSync(f.path)
  await store.ingest((async function * () { yield content })())
  await reports.put(await signedReport(content))
}
console.log(`corpus: ${corpus.length} distinct files of /usr/{bin,sbin,lib/x86_64-linux-gnu} up to ${MAX_BYTES / 1024} KiB, ${(bytes / 1024 / 1024).toFixed(1)} MiB, stored encrypted with a report each`)

const rulesFile = join(dir, 'hunt.yar')
writeFileSync(rulesFile, RULES)
const member = MEMBERS[0] as (typeof MEMBERS)[number]
const notifier = createHuntNotifier({ chainId: 31337, registry: `0x${'00'.repeat(20)}` }, { operator: member.wallet, hunts: new HuntRepository(db), logger })
const rulesetId = `0x${'ab'.repeat(32)}` as Hex
let t0 = performance.now()
const retro = await runRetrohunt({ rulesetId, source: RULES, bounds: { maxSamples: SAMPLES, maxMs: 3_600_000 }, compileTimeoutMs: 30_000, scanTimeoutMs: 30_000 },
  { self: member.address, vendor: `0x${'cd'.repeat(20)}`, reports, samples, readSample: async (cid, key, o) => await store.readSample(cid, key, o), notifier, logger, now: Date.now })
const retroMs = performance.now() - t0
const ours = new Map<string, string>(retro.matches.map((m) => [m.notification.match.sha256, m.notification.match.rules.join(',')]))

// native yara over the same plain files: one process, every file named on its command line
const list = join(dir, 'files.txt')
writeFileSync(list, corpus.map((f) => f.path).join('\n'))
t0 = performance.now()
const native = spawnSync('yara', ['--scan-list', rulesFile, list], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
const nativeMs = performance.now() - t0
if (native.status !== 0) throw new Error(`yara failed: ${native.stderr}`)
const byPath = new Map(corpus.map((f) => [f.path, f.sha256]))
const theirs = new Map<string, string[]>()
for (const line of native.stdout.split('\n').filter(Boolean)) {
  const [rule, path] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]
  const sha = byPath.get(path)
  if (sha !== undefined) theirs.set(sha, [...theirs.get(sha) ?? [], rule])
}
const theirsJoined = new Map([...theirs].map(([k, v]) => [k, v.toSorted().join(',')]))
const differ = [...new Set([...ours.keys(), ...theirsJoined.keys()])].filter((k) => ours.get(k) !== theirsJoined.get(k))
console.log(`retrohunt (decrypt from blocks + YARA-X scanner process): ${retro.scanned} samples in ${retroMs.toFixed(0)} ms, ${(bytes / 1024 / 1024 / (retroMs / 1000)).toFixed(1)} MiB/s, ${(retro.scanned / (retroMs / 1000)).toFixed(0)} samples/s, ${ours.size} matched (stopped by ${retro.stoppedBy})`)
console.log(`native yara ${spawnSync('yara', ['--version'], { encoding: 'utf8' }).stdout.trim()} (--scan-list, plain files): ${corpus.length} files in ${nativeMs.toFixed(0)} ms, ${(bytes / 1024 / 1024 / (nativeMs / 1000)).toFixed(1)} MiB/s, ${theirsJoined.size} matched`)
console.log(differ.length === 0 ? 'same matches, sample for sample and rule for rule' : `DIFFERENT on ${differ.length} samples: ${differ.slice(0, 5).map((k) => `${k.slice(0, 10)} ours=${ours.get(k) ?? '-'} yara=${theirsJoined.get(k) ?? '-'}`).join('; ')}`)
await store.stop()
await blockstore.close()
await db.close()
rmSync(dir, { recursive: true, force: true })
