import { randomBytes } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EngineNotStartedError, EngineUnavailableError, NoRulesError, ScanAbortedError } from './engine.ts'
import { findRuleFiles, signatureDate } from './rule-files.ts'
import { runProcess } from './run-process.ts'
import { compileRuleFiles } from './yara-compile.ts'
import { classify, parseYaraOutput } from './yara-output.ts'
import type { Engine, ScanInput } from './engine.ts'
import type { EngineResult, SampleKind } from '../../../protocol/src/messages.ts'
import type { Logger } from 'pino'

export interface YaraEngineOptions {
  rulesDirs: string[]
  /** wall-clock budget per scan; the yara child is killed when it runs over */
  timeoutMs: number
  /** where samples are written for the scanner (0600, deleted after each scan) and compiled rules live */
  tmpDir: string
  logger?: Logger
  /** defaults: Debian's /usr/bin/yara and /usr/bin/yarac via PATH */
  yaraPath?: string
  yaracPath?: string
}

export interface YaraRuleStats {
  files: number
  rules: number
  skippedFiles: Array<{ path: string, rules: number, error: string }>
}

export interface YaraEngine extends Engine {
  /** what start() compiled and skipped; undefined before start() */
  readonly ruleStats: YaraRuleStats | undefined
}

const KINDS: readonly SampleKind[] = ['file']

/**
 * YARA through Debian's `yara` CLI: rules are compiled once with `yarac` at start, and every scan
 * runs one `yara -C` child on a private temp copy of the sample. A process per scan is the
 * isolation boundary: a rule that hangs or a scanner that crashes is killed and reported as
 * `timeout`/`failure`, and the node's heap never holds the matcher (bench/yara-engines.ts has
 * the comparison with in-process YARA-X).
 */
export function createYaraEngine (options: YaraEngineOptions): YaraEngine {
  const { rulesDirs, timeoutMs, tmpDir, logger } = options
  const yaraPath = options.yaraPath ?? 'yara'
  const yaracPath = options.yaracPath ?? 'yarac'
  let version = ''
  let date = ''
  let compiledPath: string | undefined
  let stats: YaraRuleStats | undefined

  const result = (category: EngineResult['category'], label = ''): EngineResult => ({
    engine: 'YARA', engineVersion: version, engineUpdate: date, category, result: label, method: 'blacklist'
  })

  async function readVersion (): Promise<string> {
    const outcome = await runProcess(yaraPath, ['--version'], { timeoutMs: 10_000 })
    if (outcome.status !== 'exited' || outcome.code !== 0) {
      throw new EngineUnavailableError(`cannot run ${yaraPath} --version: ${outcome.error?.message ?? outcome.stderr.trim() ?? outcome.status}`, { cause: outcome.error })
    }
    return outcome.stdout.trim()
  }

  async function scanFile (samplePath: string, signal?: AbortSignal): Promise<EngineResult> {
    if (compiledPath === undefined) throw new EngineNotStartedError('YARA')
    // yara's own timeout is a backstop; the kill at timeoutMs is what bounds the scan
    const yaraTimeout = String(Math.ceil(timeoutMs / 1000) + 1)
    // -m prints each match's meta (~0.5 KiB for a ReversingLabs rule); 16 MiB leaves room for every rule matching at once
    const outcome = await runProcess(yaraPath, ['-C', '-e', '-g', '-m', '-w', '-a', yaraTimeout, compiledPath, samplePath], { timeoutMs, signal, maxOutputBytes: 16 * 1024 * 1024 })
    if (outcome.status === 'timeout') return result('timeout')
    if (outcome.status !== 'exited' || outcome.code !== 0) {
      logger?.warn({ status: outcome.status, code: outcome.code, signal: outcome.signal, stderr: outcome.stderr.slice(0, 500), err: outcome.error }, 'yara scan failed')
      return result('failure')
    }
    const { category, result: label } = classify(parseYaraOutput(outcome.stdout, samplePath))
    return result(category, label)
  }

  return {
    name: 'YARA',
    kinds: KINDS,
    get version () { return version },
    get signatureDate () { return date },
    get ruleStats () { return stats },

    async start () {
      version = await readVersion()
      const files = await findRuleFiles(rulesDirs)
      if (files.length === 0) throw new NoRulesError(rulesDirs)
      await mkdir(tmpDir, { recursive: true, mode: 0o700 })
      const output = join(tmpDir, `yara-rules-${process.pid}-${randomBytes(6).toString('hex')}.yarc`)
      const started = performance.now()
      const { compiled, skipped } = await compileRuleFiles(yaracPath, files, output)
      for (const s of skipped) logger?.warn({ file: s.path, error: s.error }, 'skipping YARA rule file that does not compile')
      compiledPath = output
      date = signatureDate(compiled)
      stats = {
        files: compiled.length,
        rules: compiled.reduce((n, f) => n + f.rules, 0),
        skippedFiles: skipped.map(s => ({ ...s, rules: files.find(f => f.path === s.path)?.rules ?? 0 }))
      }
      logger?.info({ version, files: stats.files, rules: stats.rules, skippedFiles: skipped.length, signatureDate: date, ms: Math.round(performance.now() - started) }, 'YARA rules compiled')
    },

    async stop () {
      const path = compiledPath
      compiledPath = undefined
      if (path !== undefined) await rm(path, { force: true })
    },

    async scan (input: ScanInput, scanOptions: { signal?: AbortSignal } = {}) {
      const { signal } = scanOptions
      if (compiledPath === undefined) throw new EngineNotStartedError('YARA')
      // a function, so TypeScript does not carry the first check's narrowing across the awaits
      const aborted = (): boolean => signal?.aborted === true
      if (aborted()) throw new ScanAbortedError({ cause: signal?.reason })
      if (!KINDS.includes(input.kind)) return result('type-unsupported')
      const samplePath = join(tmpDir, `sample-${randomBytes(12).toString('hex')}`)
      try {
        // wx + 0600: never follow or reuse an existing path, never readable by other users
        await writeFile(samplePath, input.bytes, { mode: 0o600, flag: 'wx' })
        return await scanFile(samplePath, signal)
      } catch (err) {
        if (aborted()) throw new ScanAbortedError({ cause: signal?.reason })
        throw err
      } finally {
        await rm(samplePath, { force: true })
      }
    }
  }
}
