import { EngineNotStartedError, NoRulesError, ScanAbortedError } from './engine.ts'
import { findRuleFiles, signatureDate } from './rule-files.ts'
import { classify } from './yara-output.ts'
import { startScannerProcess } from './yara-scanner-process.ts'
import { createScannerPool } from './yara-scanner-pool.ts'
import type { ScanInput } from './engine.ts'
import type { SessionEngine, SessionScan } from './scan-session.ts'
import type { PooledScanner, ScannerPool } from './yara-scanner-pool.ts'
import type { RuleSource } from './yara-rules.ts'
import type { EngineResult, SampleKind } from '#protocol/messages.ts'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

export interface YaraEngineOptions {
  rulesDirs: string[]
  /** wall-clock budget per scan; a scanner process still matching then is killed and replaced */
  timeoutMs: number
  /** warm scanner processes (and so scans at once); default 2 */
  concurrency?: number
  /** V8 heap cap per scanner process, MiB; default 256 */
  maxHeapMb?: number
  logger?: Logger
  /** honour TEST_HOOKS inputs (tests only) */
  testHooks?: boolean
}

export interface YaraRuleStats {
  files: number
  rules: number
  skippedFiles: Array<{ path: string, rules: number, error: string }>
}

export interface YaraEngine extends SessionEngine {
  /** what start() compiled and skipped; undefined before start() */
  readonly ruleStats: YaraRuleStats | undefined
  /** the scanner processes' ids, for tests and metrics */
  readonly scannerPids: number[]
}

const KINDS: readonly SampleKind[] = ['file']
const INIT_TIMEOUT_MS = 120_000
/** a function, so TypeScript does not carry an earlier check's narrowing across awaits */
const isAborted = (signal?: AbortSignal): boolean => signal?.aborted === true

/**
 * YARA through YARA-X (@litko/yara-x) in warm scanner processes: each compiles the rules once
 * at start and is then sent samples over a pipe, so a scan costs the matching and a copy, not a
 * process start and a temp file. A scan over its budget kills its process (`timeout`), a
 * process that dies mid-scan is `failure`, an abort kills it and rejects; the pool replaces a
 * dead process at once. Rule files are those found under rulesDirs at start().
 */
export function createYaraEngine (options: YaraEngineOptions): YaraEngine {
  const { rulesDirs, timeoutMs, logger } = options
  let version = ''
  let date = ''
  let stats: YaraRuleStats | undefined
  let pool: ScannerPool | undefined

  const result = (category: EngineResult['category'], label = ''): EngineResult => ({
    engine: 'YARA', engineVersion: version, engineUpdate: date, category, result: label.slice(0, 256), method: 'blacklist'
  })

  async function scanWith (scanner: PooledScanner, input: ScanInput, { signal }: AbortOptions = {}): Promise<EngineResult> {
    if (signal?.aborted === true) throw new ScanAbortedError({ cause: signal.reason })
    if (!KINDS.includes(input.kind)) return result('type-unsupported')
    const outcome = await scanner.scan(input.bytes, { timeoutMs, signal })
    if (outcome.status === 'timeout') {
      logger?.warn({ sha256: input.sha256, bytes: input.bytes.length, timeoutMs }, 'YARA scan over budget: scanner killed')
      return result('timeout')
    }
    if (outcome.status === 'failed') {
      logger?.warn({ sha256: input.sha256, why: outcome.why }, 'YARA scan failed')
      return result('failure')
    }
    const { category, result: label } = classify(outcome.matches)
    return result(category, label)
  }

  async function withSession<T> (work: (scan: SessionScan) => Promise<T>, sessionOptions: AbortOptions = {}): Promise<T> {
    const { signal } = sessionOptions
    const current = pool
    if (current === undefined) throw new EngineNotStartedError('YARA')
    if (signal?.aborted === true) throw new ScanAbortedError({ cause: signal.reason })
    try {
      return await current.use(async scanner => await work(async (input, scanOptions = {}) => {
        if (pool !== current) throw new EngineNotStartedError('YARA')
        return await scanWith(scanner, input, { signal: scanOptions.signal })
      }), { signal })
    } catch (err) {
      if (isAborted(signal) && !(err instanceof ScanAbortedError)) throw new ScanAbortedError({ cause: signal?.reason })
      throw err
    }
  }

  return {
    name: 'YARA',
    kinds: KINDS,
    get version () { return version },
    get signatureDate () { return date },
    get ruleStats () { return stats },
    get scannerPids () { return pool?.pids ?? [] },

    async start () {
      if (pool !== undefined) return
      const files = await findRuleFiles(rulesDirs)
      if (files.length === 0) throw new NoRulesError(rulesDirs)
      const started = performance.now()
      let sources: RuleSource[] = files.map(f => ({ path: f.path, source: f.source }))
      const starting = createScannerPool({
        size: options.concurrency ?? 2,
        logger,
        spawn: async (spawnOptions) => await startScannerProcess({ files: sources, maxHeapMb: options.maxHeapMb ?? 256, initTimeoutMs: INIT_TIMEOUT_MS, testHooks: options.testHooks === true }, spawnOptions)
      })
      const ready = await starting.start()
      // replacements compile only what compiled: a broken file is not checked again on every restart
      sources = ready.compiled.flatMap(i => sources[i] ?? [])
      const compiled = ready.compiled.flatMap(i => files[i] ?? [])
      version = ready.version
      date = signatureDate(compiled)
      stats = {
        files: compiled.length,
        rules: compiled.reduce((n, f) => n + f.rules, 0),
        skippedFiles: ready.skipped.map(s => ({ path: files[s.index]?.path ?? '', rules: files[s.index]?.rules ?? 0, error: s.error }))
      }
      for (const s of stats.skippedFiles) logger?.warn({ file: s.path, error: s.error }, 'skipping YARA rule file that does not compile')
      logger?.info({ version, files: stats.files, rules: stats.rules, skippedFiles: stats.skippedFiles.length, signatureDate: date, processes: options.concurrency ?? 2, ms: Math.round(performance.now() - started) }, 'YARA rules compiled')
      pool = starting
    },

    async stop () {
      const current = pool
      pool = undefined
      await current?.stop()
    },

    withSession,
    async scan (input, scanOptions = {}) {
      if (pool === undefined) throw new EngineNotStartedError('YARA')
      if (scanOptions.signal?.aborted === true) throw new ScanAbortedError({ cause: scanOptions.signal.reason })
      // answered without taking a scanner
      if (!KINDS.includes(input.kind)) return result('type-unsupported')
      return await withSession(async scan => await scan(input, scanOptions), scanOptions)
    }
  }
}
