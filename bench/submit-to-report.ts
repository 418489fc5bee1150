// Submission-to-report time on a 4-node devnet, beside the YARA scan time of the same file
// measured in the same run. Run: npx node bench/submit-to-report.ts [--runs N]
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { createVtClient } from '../node/src/client/vt-client.ts'
import { PROJECT_RULES_DIR, startDevnet } from '../node/src/devnet/devnet.ts'
import { detectFileType } from '../node/src/scan/file-type.ts'
import { createYaraEngine } from '../node/src/scan/yara-engine.ts'
import type { Hex } from '#protocol/messages.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } })
const runs = Number(values.runs)
const COMMIT_WINDOW_MS = 2000
const REVEAL_WINDOW_MS = 6000

function median (xs: number[]): number {
  const s = xs.toSorted((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

const dir = await mkdtemp(join(tmpdir(), 'virusmap-bench-'))
const devnet = await startDevnet({ nodes: 4, dir, port: 0, commitWindowMs: COMMIT_WINDOW_MS, revealWindowMs: REVEAL_WINDOW_MS })
const yara = createYaraEngine({ rulesDirs: [PROJECT_RULES_DIR], timeoutMs: 60_000, logger: pino({ level: 'silent' }) })
await yara.start()
const api = devnet.info.nodes[0]?.api as string
const client = createVtClient({ baseUrl: api, apiKey: devnet.info.apiKey })

const sizes = [64 * 1024, 1024 * 1024, 16 * 1024 * 1024]
const rows: string[] = []
try {
  for (const size of sizes) {
    const e2e: number[] = []
    const scan: number[] = []
    for (let i = 0; i < runs; i++) {
      const bytes = randomBytes(size)
      const t0 = performance.now()
      const uploaded = await client.uploadFile(bytes, { filename: `bench-${size}-${i}.bin` })
      await client.waitForAnalysis(uploaded.id, { intervalMs: 100, signal: AbortSignal.timeout(120_000) })
      e2e.push(performance.now() - t0)
      const s0 = performance.now()
      await yara.scan({ bytes, sha256: `0x${createHash('sha256').update(bytes).digest('hex')}` as Hex, fileType: detectFileType(bytes), kind: 'file' })
      scan.push(performance.now() - s0)
    }
    rows.push(`${(size / 1024).toFixed(0).padStart(8)} KiB  ${median(e2e).toFixed(0).padStart(8)} ms  ${median(scan).toFixed(1).padStart(8)} ms  ${(median(e2e) - median(scan)).toFixed(0).padStart(8)} ms`)
  }
} finally {
  await yara.stop()
  await devnet.stop()
  await rm(dir, { recursive: true, force: true })
}

console.log(`submission to final report, 4-node devnet (commit window ${COMMIT_WINDOW_MS} ms + ${200} ms/MiB; reveal and attest as soon as every member has committed and revealed, else at the windows), median of ${runs}`)
console.log('    sample      submit→report   YARA scan alone   protocol overhead')
for (const row of rows) console.log(row)
