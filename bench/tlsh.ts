/**
 * The tlsh engine's TypeScript TLSH against Debian's native tlsh (tlsh-tools, C++) on the same
 * files: throughput in MB/s and files/s, best of --runs, and whether every digest agrees. The
 * corpus is the ReversingLabs rule files (small text), classic-level's prebuilds (ELF, PE, Mach-O)
 * and two large shared libraries from node_modules (YARA-X, oxlint).
 *
 *   npx node bench/tlsh.ts [--runs 3]
 *
 * TypeScript: in this process, files already in memory (what the engine's worker is handed).
 * Native: one `tlsh -r` over a directory of links to the same files, so its process start is
 * paid once and its reads come from the page cache the TypeScript pass warmed. Then one sample
 * at the engine's bound, 100 MiB of random bytes (the worst case for the engine's time budget),
 * the same way (native: `tlsh -f` on a temporary file).
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TLSH_ENGINE_MAX_BYTES, tlsh } from '../node/src/scan/tlsh.ts'

const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const RUNS = runsAt === -1 ? 3 : Math.max(1, Number(args[runsAt + 1]))
const modules = fileURLToPath(new URL('../node_modules/', import.meta.url))

function walk (dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).toSorted()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else out.push(path)
  }
  return out
}

const files = [
  ...walk('/work/shared/data/yara-reversinglabs/yara'),
  ...walk(join(modules, 'classic-level/prebuilds')),
  join(modules, '@litko/yara-x-linux-x64-gnu/yara-x.linux-x64-gnu.node'),
  join(modules, '@oxlint/binding-linux-x64-gnu/oxlint.linux-x64-gnu.node')
]
const data = files.map(f => readFileSync(f))
const bytes = data.reduce((sum, b) => sum + b.length, 0)
const mb = bytes / 1e6

const best = (times: number[]): number => Math.min(...times)

const ours = new Map<string, string>()
const tsTimes: number[] = []
for (let run = 0; run < RUNS; run++) {
  const started = performance.now()
  for (const [i, b] of data.entries()) ours.set(files[i] as string, tlsh(b))
  tsTimes.push(performance.now() - started)
}

const links = mkdtempSync(join(tmpdir(), 'bench-tlsh-'))
for (const [i, f] of files.entries()) symlinkSync(f, join(links, `${String(i).padStart(4, '0')}`))
const nativeTimes: number[] = []
let nativeOut = ''
try {
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now()
    const r = spawnSync('tlsh', ['-r', links], { encoding: 'utf8', maxBuffer: 1 << 26 })
    nativeTimes.push(performance.now() - started)
    if (r.error !== undefined || r.status !== 0) throw new Error(`native tlsh failed (apt-get install tlsh-tools): ${r.error?.message ?? r.stderr}`)
    nativeOut = r.stdout
  }
} finally {
  rmSync(links, { recursive: true, force: true })
}
let agree = 0
let compared = 0
for (const line of nativeOut.split('\n')) {
  const m = /^([0-9A-F]{70})\t.*\/(\d{4})$/.exec(line)
  if (m === null) continue
  compared++
  if (ours.get(files[Number(m[2])] as string) === `T1${m[1] as string}`) agree++
}

// one sample at the engine's bound
const big = randomBytes(TLSH_ENGINE_MAX_BYTES)
const bigDir = mkdtempSync(join(tmpdir(), 'bench-tlsh-big-'))
const bigFile = join(bigDir, 'random')
writeFileSync(bigFile, big)
const bigTs: number[] = []
const bigNative: number[] = []
let bigAgree = false
try {
  for (let run = 0; run < RUNS; run++) {
    let started = performance.now()
    const digest = tlsh(big)
    bigTs.push(performance.now() - started)
    started = performance.now()
    const r = spawnSync('tlsh', ['-f', bigFile], { encoding: 'utf8' })
    bigNative.push(performance.now() - started)
    bigAgree = r.stdout.startsWith(digest.slice(2))
  }
} finally {
  rmSync(bigDir, { recursive: true, force: true })
}

const row = (engine: string, corpus: string, n: number, megabytes: number, ms: number): Record<string, string | number> => ({
  engine, corpus, files: n, MB: Number(megabytes.toFixed(1)), 'best ms': Math.round(ms), 'MB/s': Number((megabytes / (ms / 1000)).toFixed(1)), 'files/s': Math.round(n / (ms / 1000))
})
const bigMb = TLSH_ENGINE_MAX_BYTES / 1e6
console.table([
  row('TypeScript (node/src/scan/tlsh.ts)', 'rules + binaries', files.length, mb, best(tsTimes)),
  row('Debian tlsh 3.4.4 -r (C++)', 'rules + binaries', files.length, mb, best(nativeTimes)),
  row('TypeScript (node/src/scan/tlsh.ts)', '100 MiB random', 1, bigMb, best(bigTs)),
  row('Debian tlsh 3.4.4 -f (C++)', '100 MiB random', 1, bigMb, best(bigNative))
])
console.log(`digests: ${agree} of ${compared} the same (native digested ${compared} of ${files.length}); 100 MiB: ${bigAgree ? 'the same' : 'DIFFERENT'}; best of ${RUNS} runs`)
if (agree !== compared || !bigAgree) process.exitCode = 1
