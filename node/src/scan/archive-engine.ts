import { join } from 'node:path'
import { DEFAULT_ARCHIVE_LIMITS } from './archive.ts'
import { ScanAbortedError } from './engine.ts'
import { createWorkerEngine } from './worker-engine.ts'
import type { ArchiveLimits, ArchiveScannerOptions, Expansion } from './archive.ts'
import type { ScanInput } from './engine.ts'
import type { DetailedResult, WorkerEngine } from './worker-engine.ts'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

export interface ArchiveEngineOptions {
  timeoutMs: number
  tmpDir: string
  limits?: Partial<ArchiveLimits>
  concurrency?: number
  sevenZipPath?: string
  logger?: Logger
  testHooks?: boolean
}

export interface ArchiveEngine extends WorkerEngine<Expansion> {
  /** the members of an archive sample (empty for anything else), expanded once per sample and shared */
  expand(input: ScanInput, options?: AbortOptions): Promise<DetailedResult<Expansion>>
}

/**
 * The archive engine: expands zip/tar/gzip/7z (recursively, within depth, size, ratio and member
 * limits) in a worker, answers `type-unsupported` for other samples and `suspicious` for a bomb,
 * and hands the members to the other engines through withArchiveMembers (archive-members.ts).
 */
export function createArchiveEngine (options: ArchiveEngineOptions): ArchiveEngine {
  const inner = createWorkerEngine<Expansion>({
    name: 'VirusMap-Archive',
    module: new URL('./archive.ts', import.meta.url),
    moduleOptions: {
      limits: { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits },
      tmpDir: join(options.tmpDir, 'archive'),
      sevenZipPath: options.sevenZipPath ?? '7z',
      timeoutMs: options.timeoutMs
    } satisfies ArchiveScannerOptions,
    method: 'heuristic',
    timeoutMs: options.timeoutMs,
    concurrency: options.concurrency ?? 2,
    // members are held in memory: the size limit plus room for the decoders
    maxHeapMb: 1024,
    logger: options.logger,
    testHooks: options.testHooks
  })
  // one expansion per sample however many engines ask: runEngines hands every engine the same bytes
  let shared = new WeakMap<Uint8Array, Promise<DetailedResult<Expansion>>>()
  let running = false
  const expand = async (input: ScanInput, scanOptions: AbortOptions = {}): Promise<DetailedResult<Expansion>> => {
    // the checks every scan owes come before the shared result
    if (!running || scanOptions.signal?.aborted === true || !inner.kinds.includes(input.kind)) return await inner.scanDetailed(input, scanOptions)
    let pending = shared.get(input.bytes)
    if (pending === undefined) {
      const own = inner.scanDetailed(input, scanOptions)
      pending = own
      shared.set(input.bytes, own)
      // only a completed expansion is shared: a cancelled, timed-out or failed one is retried by the next caller
      own.then(r => { if (r.result.category === 'timeout' || r.result.category === 'failure') shared.delete(input.bytes) }, () => { shared.delete(input.bytes) })
      return await own
    }
    const { signal } = scanOptions
    try {
      // someone else's expansion, but our own signal
      return await new Promise<DetailedResult<Expansion>>((resolve, reject) => {
        const onAbort = (): void => { reject(new ScanAbortedError({ cause: signal?.reason })) }
        signal?.addEventListener('abort', onAbort, { once: true })
        pending.then(resolve, reject).finally(() => { signal?.removeEventListener('abort', onAbort) })
      })
    } catch (err) {
      if (signal?.aborted === true) throw err
      return await inner.scanDetailed(input, scanOptions)
    }
  }
  return {
    ...inner,
    name: inner.name,
    kinds: inner.kinds,
    get version () { return inner.version },
    get signatureDate () { return inner.signatureDate },
    get workers () { return inner.workers },
    async start () {
      await inner.start()
      running = true
    },
    async stop () {
      running = false
      shared = new WeakMap()
      await inner.stop()
    },
    expand,
    scanDetailed: expand,
    async scan (input, scanOptions) { return (await expand(input, scanOptions)).result }
  }
}
