import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ClamdTimeoutError, clamdCommand, parseScanReply, parseVersion } from './clamd.ts'
import { EngineNotStartedError, EngineUnavailableError, ScanAbortedError } from './engine.ts'
import { createLimiter } from './limiter.ts'
import type { ClamdAddress } from './clamd.ts'
import type { Engine, ScanInput } from './engine.ts'
import type { EngineResult, SampleKind } from '../../../protocol/src/messages.ts'
import type { Logger } from 'pino'

export interface ClamavEngineOptions {
  address: ClamdAddress
  /** wall-clock budget per scan; the connection is dropped when it runs over */
  timeoutMs: number
  /** scans in flight to clamd at once (clamd's MaxThreads bounds it further) */
  concurrency?: number
  /** clamd's StreamMaxLength; larger samples are not sent (failure, logged) */
  maxStreamBytes?: number
  /** the DatabaseDirectory clamd reads: its newest file dates the signatures when clamd's VERSION does not */
  databaseDir?: string
  logger?: Logger
}

const KINDS: readonly SampleKind[] = ['file']
/** a call, so TypeScript does not keep a narrowing of signal.aborted across awaits */
const isAborted = (signal?: AbortSignal): boolean => signal?.aborted === true

async function newestMtime (dir: string): Promise<number | undefined> {
  try {
    const names = await readdir(dir)
    const times = await Promise.all(names.map(async n => (await stat(join(dir, n))).mtimeMs))
    return times.length === 0 ? undefined : Math.max(...times)
  } catch {
    return undefined
  }
}

/** clamd names heuristic alerts "Heuristics.*" (encrypted archives, limits, phishing): suspicious, not malicious */
const categoryOf = (signature: string): EngineResult['category'] => signature.startsWith('Heuristics.') ? 'suspicious' : 'malicious'

/**
 * ClamAV through a running clamd: each scan streams the sample over a fresh connection
 * (INSTREAM), so clamd never needs to read our files. clamd is its own process: a scan that
 * overruns is dropped (`timeout`), a clamd that dies or answers nonsense yields `failure`, and
 * the next scan reconnects, so a restarted clamd is picked up without restarting the node.
 */
export function createClamavEngine (options: ClamavEngineOptions): Engine {
  const { address, timeoutMs, logger } = options
  const maxStreamBytes = options.maxStreamBytes ?? 25 * 1024 * 1024
  const limiter = createLimiter(options.concurrency ?? 4)
  let version = ''
  let date = ''
  let running = false

  const result = (category: EngineResult['category'], label = ''): EngineResult => ({
    engine: 'ClamAV', engineVersion: version, engineUpdate: date, category, result: label.slice(0, 256), method: 'blacklist'
  })

  async function scanOnce (input: ScanInput, signal?: AbortSignal): Promise<EngineResult> {
    if (input.bytes.length > maxStreamBytes) {
      logger?.warn({ sha256: input.sha256, size: input.bytes.length, maxStreamBytes }, 'sample over clamd StreamMaxLength: not scanned')
      return result('failure')
    }
    try {
      const { line } = await clamdCommand(address, 'INSTREAM', { body: input.bytes, timeoutMs, signal })
      const verdict = parseScanReply(line)
      if (verdict.status === 'clean') return result('undetected')
      if (verdict.status === 'found') {
        const label = verdict.signature.replace(/\.UNOFFICIAL$/, '')
        return result(categoryOf(label), label)
      }
      logger?.warn({ sha256: input.sha256, error: verdict.message }, 'clamd could not scan the sample')
      return result('failure')
    } catch (err) {
      if (isAborted(signal)) throw new ScanAbortedError({ cause: signal?.reason })
      if (err instanceof ClamdTimeoutError) return result('timeout')
      logger?.warn({ sha256: input.sha256, err }, 'clamd scan failed')
      return result('failure')
    }
  }

  return {
    name: 'ClamAV',
    kinds: KINDS,
    get version () { return version },
    get signatureDate () { return date },

    async start () {
      let line: string
      try {
        ({ line } = await clamdCommand(address, 'VERSION', { timeoutMs: 10_000 }))
      } catch (err) {
        throw new EngineUnavailableError(`clamd at ${JSON.stringify(address)} does not answer: ${(err as Error).message}`, { cause: err })
      }
      if (!line.startsWith('ClamAV ')) throw new EngineUnavailableError(`not a clamd at ${JSON.stringify(address)}: ${JSON.stringify(line.slice(0, 100))}`)
      const parsed = parseVersion(line)
      version = (parsed.dbVersion === undefined ? parsed.version : `${parsed.version}/${parsed.dbVersion}`).slice(0, 64)
      let signatureDate = parsed.signatureDate
      if (signatureDate === undefined && options.databaseDir !== undefined) {
        const newest = await newestMtime(options.databaseDir)
        if (newest !== undefined) signatureDate = new Date(newest).toISOString().slice(0, 10).replaceAll('-', '')
      }
      if (signatureDate === undefined) logger?.warn({ version: line }, 'clamd reports no signature date and no databaseDir is configured: reporting 19700101')
      date = signatureDate ?? '19700101'
      running = true
      logger?.info({ version, signatureDate: date }, 'clamd connected')
    },

    async stop () { running = false },

    async scan (input, scanOptions = {}) {
      const { signal } = scanOptions
      if (!running) throw new EngineNotStartedError('ClamAV')
      if (signal?.aborted === true) throw new ScanAbortedError({ cause: signal.reason })
      if (!KINDS.includes(input.kind)) return result('type-unsupported')
      try {
        return await limiter.run(async () => await scanOnce(input, signal), { signal })
      } catch (err) {
        if (err instanceof ScanAbortedError) throw err
        if (isAborted(signal)) throw new ScanAbortedError({ cause: signal?.reason })
        throw err
      }
    }
  }
}
