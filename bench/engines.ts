/**
 * Every engine's throughput over a corpus (/usr/bin plus Debian's clamav-testfiles) beside the
 * native tool run directly on the same files in the same run (`yara` for YARA, `clamdscan` for
 * ClamAV), and each engine's false positives on the benign part (/usr/bin; goal: none) and
 * detections on the test files. For YARA also the engine/native ratio and what a small file
 * costs (warm engine vs in-process matching vs one native `yara` run per file).
 *
 *   npx node bench/engines.ts [--corpus-mb 300] [--concurrency 2] [--clamav-rounds 3] [--yara-rounds 3]
 *
 * clamd is started here as our own child on the project's test database (node/rules/clamav).
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { createArchiveEngine } from '../node/src/scan/archive-engine.ts'
import { buildClamavDatabase } from '../node/src/scan/clamav-db.ts'
import { createClamavEngine } from '../node/src/scan/clamav-engine.ts'
import { clamdCommand } from '../node/src/scan/clamd.ts'
import { detectFileType } from '../node/src/scan/file-type.ts'
import { createHashListEngine } from '../node/src/scan/hash-list-engine.ts'
import { createHeuristicsEngine } from '../node/src/scan/heuristics-engine.ts'
import { createLimiter } from '../node/src/scan/limiter.ts'
import { findRuleFiles } from '../node/src/scan/rule-files.ts'
import { createYaraEngine } from '../node/src/scan/yara-engine.ts'
import { loadRules } from '../node/src/scan/yara-rules.ts'
import { compileRuleFiles } from './yarac-compile.ts'
import type { Engine } from '../node/src/scan/engine.ts'
import type { ChildProcess } from 'node:child_process'

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i === -1 ? undefined : args[i + 1] }
const CORPUS_MB = Number(flag('--corpus-mb') ?? 300)
const CONCURRENCY = Number(flag('--concurrency') ?? 2)
const CLAMAV_ROUNDS = Number(flag('--clamav-rounds') ?? 3)
const YARA_ROUNDS = Number(flag('--yara-rounds') ?? 3)
const TESTFILES = '/usr/share/clamav-testfiles'
const RULES = fileURLToPath(new URL('../node/rules', import.meta.url))
const CLAMAV_RULES = fileURLToPath(new URL('../node/rules/clamav', import.meta.url))
const logger = pino({ level: 'silent' })

interface Sample { path: string, benign: boolean, bytes: Buffer }

function corpus (): Sample[] {
  const out: Sample[] = []
  let total = 0
  for (const name of readdirSync('/usr/bin').toSorted()) {
    const path = join('/usr/bin', name)
    const info = lstatSync(path)
    if (!info.isFile() || info.size === 0) continue
    if (total + info.size > CORPUS_MB * 2 ** 20) continue
    total += info.size
    out.push({ path, benign: true, bytes: readFileSync(path) })
  }
  if (existsSync(TESTFILES)) for (const name of readdirSync(TESTFILES).toSorted()) out.push({ path: join(TESTFILES, name), benign: false, bytes: readFileSync(join(TESTFILES, name)) })
  return out
}

interface Row { engine: string, how: string, files: number, mb: number, seconds: number, mbPerSec: number, filesPerSec: number, falsePositives: number | string, testfilesDetected: string }

const mb = (samples: Sample[]): number => samples.reduce((n, s) => n + s.bytes.length, 0) / 2 ** 20

async function runEngine (engine: Engine, samples: Sample[]): Promise<{ row: Row, fps: string[] }> {
  const limiter = createLimiter(CONCURRENCY)
  const started = performance.now()
  const results = await Promise.all(samples.map(async s => await limiter.run(async () => await engine.scan({ bytes: s.bytes, sha256: `0x${'00'.repeat(32)}`, fileType: detectFileType(s.bytes), kind: 'file' }))))
  const seconds = (performance.now() - started) / 1000
  const flagged = (i: number): boolean => results[i]?.category === 'malicious' || results[i]?.category === 'suspicious'
  const fps = samples.flatMap((s, i) => s.benign && flagged(i) ? [`${s.path}: ${results[i]?.result}`] : [])
  const bad = samples.filter(s => !s.benign)
  const hits = samples.filter((s, i) => !s.benign && flagged(i)).length
  const odd = results.filter(r => r.category === 'timeout' || r.category === 'failure').length
  return {
    row: { engine: engine.name, how: `engine (${CONCURRENCY} at once)${odd > 0 ? `, ${odd} timeout/failure` : ''}`, files: samples.length, mb: round(mb(samples)), seconds: round(seconds), mbPerSec: round(mb(samples) / seconds), filesPerSec: round(samples.length / seconds), falsePositives: fps.length, testfilesDetected: `${hits}/${bad.length}` },
    fps
  }
}

const round = (n: number): number => Math.round(n * 10) / 10
const round2 = (n: number): number => Math.round(n * 100) / 100
const median = (xs: number[]): number => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const middle = (runs: Row[]): Row | undefined => runs.toSorted((a, b) => a.mbPerSec - b.mbPerSec)[Math.floor(runs.length / 2)]

async function medianTime (runs: number, once: () => unknown): Promise<number> {
  const xs: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await once()
    xs.push(performance.now() - t)
  }
  return median(xs)
}

/**
 * What a small file costs beyond matching: the warm engine's median scan latency on a tiny file,
 * the same rules matching it in this process (YARA-X, no IPC), and native `yara -C` run on it
 * once per file (a process start and a rules load each time, as the old engine paid).
 */
async function smallFileLatency (engine: Engine, compiledRules: string): Promise<Record<string, number>> {
  const tiny = Buffer.from('#!/bin/sh\necho "a small, benign shell script"\n')
  const input = { bytes: tiny, sha256: `0x${'00'.repeat(32)}` as const, fileType: detectFileType(tiny), kind: 'file' as const }
  await medianTime(50, async () => await engine.scan(input))
  const engineMs = await medianTime(1000, async () => await engine.scan(input))
  const rules = loadRules(await findRuleFiles([RULES]))
  const inProcessMs = await medianTime(1000, () => rules.scan(tiny))
  const tinyFile = join(dir, 'tiny.sh')
  writeFileSync(tinyFile, tiny)
  const nativeMs = await medianTime(30, () => spawnSync('yara', ['-C', '-w', compiledRules, tinyFile]))
  return { engineMedianMs: round2(engineMs), inProcessMedianMs: round2(inProcessMs), engineOverheadMs: round2(engineMs - inProcessMs), nativeSingleFileMs: round2(nativeMs) }
}

function native (name: string, how: string, samples: Sample[], file: string, argv: string[], countFlagged: (stdout: string) => { benign: number, bad: number }): Row {
  const started = performance.now()
  const run = spawnSync(file, argv, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 })
  const seconds = (performance.now() - started) / 1000
  if (run.error !== undefined) return { engine: name, how: `${how}: ${run.error.message}`, files: 0, mb: 0, seconds: 0, mbPerSec: 0, filesPerSec: 0, falsePositives: '-', testfilesDetected: '-' }
  const { benign, bad } = countFlagged(run.stdout)
  return { engine: name, how, files: samples.length, mb: round(mb(samples)), seconds: round(seconds), mbPerSec: round(mb(samples) / seconds), filesPerSec: round(samples.length / seconds), falsePositives: benign, testfilesDetected: `${bad}/${samples.filter(s => !s.benign).length}` }
}

/** user + system CPU seconds of a process and of its reaped children (clamdscan, for us), from /proc in 1/100 s ticks */
function cpuSeconds (pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // the fields after "(comm) " start at field 3; utime, stime, cutime, cstime are fields 14-17
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 15).reduce((n, f) => n + Number(f), 0) / 100
}

async function startClamd (dir: string): Promise<{ socket: string, databaseDir: string, config: string, child: ChildProcess }> {
  const databaseDir = join(dir, 'db')
  await buildClamavDatabase({ sources: [CLAMAV_RULES], outDir: databaseDir })
  const socket = join(dir, 'clamd.sock')
  const config = join(dir, 'clamd.conf')
  mkdirSync(join(dir, 'tmp'))
  writeFileSync(config, [`LocalSocket ${socket}`, `DatabaseDirectory ${databaseDir}`, `TemporaryDirectory ${join(dir, 'tmp')}`, 'Foreground yes', `MaxThreads ${CONCURRENCY}`, 'DisableCache yes', 'StreamMaxLength 256M', 'MaxScanSize 1024M', 'MaxFileSize 256M', ''].join('\n'))
  const child = spawn('clamd', ['-c', config], { stdio: 'ignore' })
  for (let i = 0; i < 600; i++) {
    try { if ((await clamdCommand({ socket }, 'PING', { timeoutMs: 1000 })).line === 'PONG') return { socket, databaseDir, config, child } } catch { /* starting */ }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error('clamd did not start')
}

const samples = corpus()
const dir = mkdtempSync(join(tmpdir(), 'vm-bench-'))
const listFile = join(dir, 'files.txt')
writeFileSync(listFile, samples.map(s => s.path).join('\n') + '\n')
const isBenign = new Map(samples.map(s => [s.path, s.benign]))
const rows: Row[] = []
let yaraVsNative: string | undefined
let smallFile: Record<string, number> | undefined
let clamavVsNative: string | undefined
const allFps: Record<string, string[]> = {}
console.log(`corpus: ${samples.filter(s => s.benign).length} files from /usr/bin + ${samples.filter(s => !s.benign).length} clamav-testfiles, ${round(mb(samples))} MiB; ${CONCURRENCY} scans at once`)

try {
  // YARA: our warm engine, then Debian's yara on the same rule files (compiled with yarac) and file list
  const yara = createYaraEngine({ rulesDirs: [RULES], timeoutMs: 60_000, concurrency: CONCURRENCY, logger })
  await yara.start()
  const compiled = join(dir, 'rules.yarc')
  await compileRuleFiles('yarac', await findRuleFiles([RULES]), compiled)
  // interleaved rounds, each side's median kept: other work on the machine moves single runs a lot
  const engineRuns: Row[] = []
  const nativeRuns: Row[] = []
  for (let i = 0; i < YARA_ROUNDS; i++) {
    const y = await runEngine(yara, samples)
    engineRuns.push(y.row); allFps.YARA = y.fps
    nativeRuns.push(native('YARA', `yara -C --scan-list -p ${CONCURRENCY} (native, one process)`, samples, 'yara', ['-C', '-w', '-p', String(CONCURRENCY), '--scan-list', compiled, listFile], out => {
      const flagged = new Set(out.split('\n').map(l => l.slice(l.indexOf(' /') + 1)).filter(p => p !== ''))
      return { benign: [...flagged].filter(p => isBenign.get(p) === true).length, bad: [...flagged].filter(p => isBenign.get(p) === false).length }
    }))
  }
  const [engineRow, nativeRow] = [middle(engineRuns), middle(nativeRuns)]
  if (engineRow !== undefined && nativeRow !== undefined) {
    yaraVsNative = `YARA warm engine / native yara -C -p ${CONCURRENCY}: ${round2(engineRow.filesPerSec / nativeRow.filesPerSec)}x files/s, ${round2(engineRow.mbPerSec / nativeRow.mbPerSec)}x MiB/s (median of ${YARA_ROUNDS} interleaved rounds; MiB/s by round: engine ${engineRuns.map(r => r.mbPerSec).join('/')}, native ${nativeRuns.map(r => r.mbPerSec).join('/')})`
    rows.push({ ...engineRow, how: `${engineRow.how}, ${round2(engineRow.mbPerSec / nativeRow.mbPerSec)}x native` }, nativeRow)
  }
  smallFile = await smallFileLatency(yara, compiled)
  await yara.stop()

  // ClamAV: our engine beside clamdscan on the same clamd, in interleaved rounds, each client's
  // median round kept. clamd's cache of clean files is off: with it on, whichever client ran
  // second found every file cached and scanned nothing (a node meets each sample once anyway).
  if (spawnSync('clamd', ['--version']).status === 0) {
    const clamd = await startClamd(join(dir, 'clamd'))
    try {
      const clam = createClamavEngine({ address: { socket: clamd.socket }, databaseDir: clamd.databaseDir, timeoutMs: 120_000, concurrency: CONCURRENCY, maxStreamBytes: 256 * 2 ** 20, logger })
      await clam.start()
      const count = (out: string): { benign: number, bad: number } => {
        const found = out.split('\n').filter(l => l.endsWith(' FOUND')).map(l => l.slice(0, l.indexOf(': ')))
        return { benign: found.filter(p => isBenign.get(p) === true).length, bad: found.filter(p => isBenign.get(p) === false).length }
      }
      // CPU seconds of client + clamd per pass beside wall time: other work on the machine moves it far less
      const cpu = (): number => cpuSeconds('self') + cpuSeconds(clamd.child.pid ?? 0)
      const cpuOf = { engine: [] as number[], stream: [] as number[], fdpass: [] as number[] }
      const metered = async <T>(into: number[], run: () => T | Promise<T>): Promise<T> => {
        const before = cpu()
        const out = await run()
        into.push(round2(cpu() - before))
        return out
      }
      const clamRuns: Row[] = []
      const streamRuns: Row[] = []
      const fdpassRuns: Row[] = []
      for (let i = 0; i < CLAMAV_ROUNDS; i++) {
        const c = await metered(cpuOf.engine, async () => await runEngine(clam, samples))
        clamRuns.push(c.row); allFps.ClamAV = c.fps
        streamRuns.push(await metered(cpuOf.stream, () => native('ClamAV', 'clamdscan --stream (native client, same INSTREAM, serial)', samples, 'clamdscan', ['-c', clamd.config, '--no-summary', '--stream', `--file-list=${listFile}`], count)))
        fdpassRuns.push(await metered(cpuOf.fdpass, () => native('ClamAV', 'clamdscan --multiscan --fdpass (clamd reads files itself)', samples, 'clamdscan', ['-c', clamd.config, '--no-summary', '--multiscan', '--fdpass', `--file-list=${listFile}`], count)))
      }
      await clam.stop()
      const [clamRow, streamRow, fdpassRow] = [middle(clamRuns), middle(streamRuns), middle(fdpassRuns)]
      if (clamRow !== undefined && streamRow !== undefined && fdpassRow !== undefined) {
        const each = (runs: Row[]): string => runs.map(r => r.mbPerSec).join('/')
        clamavVsNative = `ClamAV engine / clamdscan --stream: ${round2(clamRow.mbPerSec / streamRow.mbPerSec)}x MiB/s, / --fdpass: ${round2(clamRow.mbPerSec / fdpassRow.mbPerSec)}x (median of ${CLAMAV_ROUNDS} interleaved rounds, clamd cache off; MiB/s by round: engine ${each(clamRuns)}, --stream ${each(streamRuns)}, --fdpass ${each(fdpassRuns)})` +
          `\nClamAV CPU seconds per pass, client + clamd, by round: engine ${cpuOf.engine.join('/')}, --stream ${cpuOf.stream.join('/')}, --fdpass ${cpuOf.fdpass.join('/')}`
        rows.push({ ...clamRow, how: `${clamRow.how}, ${round2(clamRow.mbPerSec / streamRow.mbPerSec)}x --stream` }, streamRow, fdpassRow)
      }
    } finally {
      clamd.child.kill('SIGKILL')
    }
  } else {
    console.log('SKIPPED ClamAV: clamd not on PATH (apt-get install clamav-daemon)')
  }

  const heuristics = createHeuristicsEngine({ timeoutMs: 60_000, concurrency: CONCURRENCY, logger })
  await heuristics.start()
  const h = await runEngine(heuristics, samples)
  rows.push(h.row); allFps[heuristics.name] = h.fps
  await heuristics.stop()

  // hash list: a feed of every test file's sha256 and md5, plus 100 000 random entries
  const feed = [...samples.filter(s => !s.benign).map(s => `${createHash('sha256').update(s.bytes).digest('hex')} Test.${s.path.split('/').pop()}`),
    ...Array.from({ length: 100_000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex'))].join('\n')
  writeFileSync(join(dir, 'feed.txt'), feed)
  const hashes = createHashListEngine({ feeds: [join(dir, 'feed.txt')], timeoutMs: 60_000, concurrency: CONCURRENCY, logger })
  await hashes.start()
  const hl = await runEngine(hashes, samples)
  rows.push(hl.row); allFps[hashes.name] = hl.fps
  rows.push(native(hashes.name, 'sha256sum (native, one process)', samples, 'sha256sum', samples.map(s => s.path), () => ({ benign: 0, bad: 0 })))
  await hashes.stop()

  const archives = createArchiveEngine({ timeoutMs: 60_000, tmpDir: join(dir, 'archive'), concurrency: CONCURRENCY, logger })
  await archives.start()
  const a = await runEngine(archives, samples)
  rows.push(a.row); allFps[archives.name] = a.fps
  await archives.stop()
} finally {
  rmSync(dir, { recursive: true, force: true })
}

console.table(rows)
if (yaraVsNative !== undefined) console.log(yaraVsNative)
if (smallFile !== undefined) console.log('YARA small-file latency (median ms):', smallFile)
if (clamavVsNative !== undefined) console.log(clamavVsNative)
for (const [engine, fps] of Object.entries(allFps)) if (fps.length > 0) console.log(`false positives of ${engine}:\n  ${fps.join('\n  ')}`)
mkdirSync(fileURLToPath(new URL('./out', import.meta.url)), { recursive: true })
writeFileSync(fileURLToPath(new URL('./out/engines.json', import.meta.url)), JSON.stringify({ corpusMB: CORPUS_MB, concurrency: CONCURRENCY, rows, yaraVsNative, yaraSmallFile: smallFile, falsePositives: allFps }, null, 2))
