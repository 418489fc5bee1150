/**
 * Debian yara (CLI, rules precompiled once with yarac, one child process per scan, as the YARA
 * engine ran it before its warm YARA-X scanners) against YARA-X (@litko/yara-x, in-process, what
 * each warm scanner process runs) on the same rules: compile time, per-scan latency on a small
 * file, throughput over a corpus of real binaries, peak RSS. bench/engines.ts has the engine
 * itself beside native `yara -p`.
 *
 *   npx node bench/yara-engines.ts [--corpus-mb 200] [--rules dir ...]
 *
 * YARA-X runs in a child Node process of its own, so its RSS is not mixed with this process's.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findRuleFiles } from '../node/src/scan/rule-files.ts'
import { compileRuleFiles } from './yarac-compile.ts'
import type { RuleFile } from '../node/src/scan/rule-files.ts'

interface Figures {
  engine: string
  version: string
  ruleFiles: number
  skippedFiles: string[]
  compileMs: number
  latencyMedianMs: number
  latencyP95Ms: number
  corpusFiles: number
  corpusMB: number
  throughputMBs: number
  filesPerSec: number
  peakRssMB: number
  matches: number
}

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i === -1 ? undefined : args[i + 1] }
const CORPUS_MB = Number(flag('--corpus-mb') ?? 200)
const RULE_DIRS = args.flatMap((a, i) => args[i - 1] === '--rules' ? [a] : [])
if (RULE_DIRS.length === 0) RULE_DIRS.push(fileURLToPath(new URL('../node/rules', import.meta.url)), '/work/shared/data/yara-reversinglabs/yara')
const LATENCY_RUNS = 50
const SMALL_FILE = Buffer.from('#!/bin/sh\necho "a small, benign shell script"\n'.repeat(20))

function corpus (): string[] {
  const files = readdirSync('/usr/bin').toSorted().map(f => join('/usr/bin', f))
  const out: string[] = []
  let total = 0
  for (const f of files) {
    const st = statSync(f, { throwIfNoEntry: false })
    if (st === undefined || !st.isFile() || st.size === 0) continue
    if (total + st.size > CORPUS_MB * 1024 * 1024) continue
    out.push(f)
    total += st.size
  }
  return out
}

const sizeMB = (files: string[]): number => files.reduce((n, f) => n + statSync(f).size, 0) / 1024 / 1024
const percentile = (xs: number[], p: number): number => xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN

/** runs a command under GNU time; resolves with its stdout and max RSS in KiB */
async function timed (file: string, argv: string[]): Promise<{ stdout: string, maxRssKB: number, code: number | null }> {
  return await new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS=%M', file, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    child.once('error', reject)
    child.once('close', code => { resolve({ stdout, code, maxRssKB: Number(/MAXRSS=(\d+)/.exec(stderr)?.[1] ?? NaN) }) })
  })
}

async function benchYaraCli (ruleFiles: RuleFile[], files: string[], work: string): Promise<Figures> {
  const compiled = join(work, 'rules.yarc')
  const t0 = performance.now()
  const { compiled: ok, skipped } = await compileRuleFiles('yarac', ruleFiles, compiled)
  const compileMs = performance.now() - t0
  const small = join(work, 'small.sh')
  writeFileSync(small, SMALL_FILE)
  const latencies: number[] = []
  let peak = 0
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const t = performance.now()
    const r = await timed('yara', ['-C', '-w', compiled, small])
    latencies.push(performance.now() - t)
    peak = Math.max(peak, r.maxRssKB)
  }
  // one child per file, as the engine scans
  let matches = 0
  const t1 = performance.now()
  for (const f of files) {
    const r = await timed('yara', ['-C', '-w', '-a', '60', compiled, f])
    peak = Math.max(peak, r.maxRssKB)
    if (r.stdout.trim() !== '') matches++
  }
  const seconds = (performance.now() - t1) / 1000
  return {
    engine: 'yara CLI (child/scan)',
    version: spawnSync('yara', ['--version']).stdout.toString().trim(),
    ruleFiles: ok.length,
    skippedFiles: skipped.map(s => `${s.path}: ${s.error.split('\n')[0]}`),
    compileMs,
    latencyMedianMs: percentile(latencies, 0.5),
    latencyP95Ms: percentile(latencies, 0.95),
    corpusFiles: files.length,
    corpusMB: sizeMB(files),
    throughputMBs: sizeMB(files) / seconds,
    filesPerSec: files.length / seconds,
    peakRssMB: peak / 1024,
    matches
  }
}

/** the YARA-X half; runs in its own process (see the bottom of this file) */
function benchYaraX (ruleFiles: RuleFile[], files: string[]): Figures {
  const yx = createRequire(import.meta.url)('@litko/yara-x') as typeof import('@litko/yara-x')
  const skipped: string[] = []
  const sources: string[] = []
  const t0 = performance.now()
  for (const f of ruleFiles) {
    const source = readFileSync(f.path, 'utf8')
    const errors = yx.validate(source).errors
    if (errors.length > 0) skipped.push(`${f.path}: ${errors[0]?.code} ${errors[0]?.message.split('\n')[0]}`)
    else sources.push(source)
  }
  // one compile of everything: the binding's addRuleFile rebuilds the whole rule set on every
  // call (274 files took 531 s that way), so the sources are concatenated
  const rules = yx.compile(sources.join('\n'))
  const compileMs = performance.now() - t0
  const latencies: number[] = []
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const t = performance.now()
    rules.scan(SMALL_FILE)
    latencies.push(performance.now() - t)
  }
  let matches = 0
  const t1 = performance.now()
  for (const f of files) if (rules.scan(readFileSync(f)).length > 0) matches++
  const seconds = (performance.now() - t1) / 1000
  return {
    engine: 'YARA-X in-process',
    version: `@litko/yara-x ${(createRequire(import.meta.url)('@litko/yara-x/package.json') as { version: string }).version}`,
    ruleFiles: sources.length,
    skippedFiles: skipped,
    compileMs,
    latencyMedianMs: percentile(latencies, 0.5),
    latencyP95Ms: percentile(latencies, 0.95),
    corpusFiles: files.length,
    corpusMB: sizeMB(files),
    throughputMBs: sizeMB(files) / seconds,
    filesPerSec: files.length / seconds,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    matches
  }
}

const fmt = (n: number, d = 1): string => n.toFixed(d)

function table (rows: Figures[]): void {
  const lines: Array<[string, ...string[]]> = [
    ['', ...rows.map(r => r.engine)],
    ['version', ...rows.map(r => r.version)],
    ['rule files compiled', ...rows.map(r => String(r.ruleFiles))],
    ['rule files skipped', ...rows.map(r => String(r.skippedFiles.length))],
    ['compile (ms)', ...rows.map(r => fmt(r.compileMs))],
    ['small-file scan median (ms)', ...rows.map(r => fmt(r.latencyMedianMs, 2))],
    ['small-file scan p95 (ms)', ...rows.map(r => fmt(r.latencyP95Ms, 2))],
    ['corpus files / MB', ...rows.map(r => `${r.corpusFiles} / ${fmt(r.corpusMB)}`)],
    ['throughput (MB/s)', ...rows.map(r => fmt(r.throughputMBs))],
    ['throughput (files/s)', ...rows.map(r => fmt(r.filesPerSec))],
    ['files with a match', ...rows.map(r => String(r.matches))],
    ['peak RSS (MB)', ...rows.map(r => fmt(r.peakRssMB))]
  ]
  const widths = (lines[0] ?? []).map((_, c) => Math.max(...lines.map(l => (l[c] ?? '').length)))
  for (const l of lines) console.log(l.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  |  '))
  for (const r of rows) for (const s of r.skippedFiles) console.log(`${r.engine} skipped ${s}`)
}

if (args[0] === '--yara-x-child') {
  const { ruleFiles, files } = JSON.parse(readFileSync(0, 'utf8')) as { ruleFiles: RuleFile[], files: string[] }
  console.log(JSON.stringify(benchYaraX(ruleFiles, files)))
} else {
  const ruleFiles = await findRuleFiles(RULE_DIRS)
  const files = corpus()
  console.log(`rules: ${ruleFiles.length} files from ${RULE_DIRS.join(', ')}; corpus: ${files.length} files, ${sizeMB(files).toFixed(1)} MB of /usr/bin`)
  const work = mkdtempSync(join(tmpdir(), 'yara-bench-'))
  try {
    const cli = await benchYaraCli(ruleFiles, files, work)
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--yara-x-child'], {
      input: JSON.stringify({ ruleFiles, files }), maxBuffer: 64 * 1024 * 1024, stdio: ['pipe', 'pipe', 'inherit']
    })
    if (child.status !== 0) throw new Error(`YARA-X child failed: ${child.status} ${child.signal}`)
    table([cli, JSON.parse(child.stdout.toString()) as Figures])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
