import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ClamdError, clamdCommand, parseScanReply, parseVersion } from './clamd.ts'
import { createClamdPool } from './clamd-pool.ts'
import { EngineNotStartedError, EngineUnavailableError, ScanAbortedError } from './engine.ts'
import { createLimiter } from './limiter.ts'
import type { ClamdAddress } from './clamd.ts'
import type { ClamdPool } from './clamd-pool.ts'
import type { Engine, ScanInput } from './engine.ts'
import type { EngineResult, SampleKind } from '#protocol/messages.ts'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

export interface ClamavEngineOptions {
  address: ClamdAddress
  /** wall-clock budget per scan; the connection is dropped when it runs over. Keep clamd's ReadTimeout above it: clamd ends a session whose scan outlasts its ReadTimeout */
  timeoutMs: number
  /** scans in flight to clamd at once, one session each (clamd's MaxThreads bounds it further) */
  concurrency?: number
  /** clamd's StreamMaxLength; larger samples are not sent (failure, logged) */
  maxStreamBytes?: number
  /** an idle clamd session is closed after this long (below clamd's ReadTimeout) */
  idleMs?: number
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
 * ClamAV through a running clamd: each scan streams the sample (zINSTREAM) over a clamd session
 * kept open between scans (IDSESSION), so clamd never needs to read our files. clamd is its own
 * process: a scan that overruns drops its connection (`timeout`), a clamd that dies or answers
 * nonsense yields `failure`, and the next scan reconnects, so a restarted clamd is picked up
 * without restarting the node.
 */
export function createClamavEngine (options: ClamavEngineOptions): Engine {
  const { address, timeoutMs, logger } = options
  const maxStreamBytes = options.maxStreamBytes ?? 25 * 1024 * 1024
  const limiter = createLimiter(options.concurrency ?? 4)
  let version = ''
  let date = ''
  let pool: ClamdPool | undefined

  const result = (category: EngineResult['category'], label = ''): EngineResult => ({
    engine: 'ClamAV', engineVersion: version, engineUpdate: date, category, result: label.slice(0, 256), method: 'blacklist'
  })

  async function scanOnce (sessions: ClamdPool, input: ScanInput, { signal }: AbortOptions = {}): Promise<EngineResult> {
    const size = input.bytes.length
    if (size > maxStreamBytes) {
      logger?.warn({ sha256: input.sha256, size, maxStreamBytes }, 'sample over clamd StreamMaxLength: not scanned')
      return result('failure')
    }
    try {
      const verdict = parseScanReply(await sessions.instream(input.bytes, { timeoutMs, signal }))
      if (verdict.status === 'clean') return result('undetected')
      if (verdict.status === 'found') {
        const label = verdict.signature.replace(/\.UNOFFICIAL$/, '')
        return result(categoryOf(label), label)
      }
      if (verdict.status === 'too-large') logger?.warn({ sha256: input.sha256, size, maxStreamBytes }, 'clamd refused the sample as over its StreamMaxLength: set maxStreamBytes to it')
      else logger?.warn({ sha256: input.sha256, size, error: verdict.message }, 'clamd could not scan the sample')
      return result('failure')
    } catch (err) {
      if (isAborted(signal)) throw new ScanAbortedError({ cause: signal?.reason })
      if (err instanceof ClamdError && err.code === 'CLAMD_TIMEOUT') return result('timeout')
      logger?.warn({ sha256: input.sha256, size, err }, 'clamd scan failed')
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
      pool?.close()
      pool = createClamdPool({ address, idleMs: options.idleMs })
      logger?.info({ version, signatureDate: date }, 'clamd connected')
    },

    async stop () {
      pool?.close()
      pool = undefined
    },

    async scan (input, scanOptions = {}) {
      const { signal } = scanOptions
      const sessions = pool
      if (sessions === undefined) throw new EngineNotStartedError('ClamAV')
      if (signal?.aborted === true) throw new ScanAbortedError({ cause: signal.reason })
      if (!KINDS.includes(input.kind)) return result('type-unsupported')
      try {
        return await limiter.run(async () => await scanOnce(sessions, input, { signal }), { signal })
      } catch (err) {
        if (err instanceof ScanAbortedError) throw err
        if (isAborted(signal)) throw new ScanAbortedError({ cause: signal?.reason })
        throw err
      }
    }
  }
}
