import { Worker } from 'node:worker_threads'
import { EngineNotStartedError, EngineUnavailableError, ScanAbortedError } from './engine.ts'
import { createLimiter } from './limiter.ts'
import type { Engine, ScanInput } from './engine.ts'
import type { HostReply, HostRequest, WorkerVerdict } from './worker-protocol.ts'
import type { EngineResult, SampleKind } from '#protocol/messages.ts'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

export interface WorkerEngineOptions {
  name: string
  /** file URL of a module exporting `createScanner(options)` (see worker-protocol.ts) */
  module: URL
  /** structured-cloneable options for createScanner */
  moduleOptions: unknown
  method: string
  /** wall-clock budget per scan; the worker is terminated when it runs over */
  timeoutMs: number
  /** workers (and so scans) at once for this engine */
  concurrency: number
  /** V8 old-generation cap per worker: a parser that balloons dies alone */
  maxHeapMb?: number
  /** honour TEST_HOOKS inputs (tests only) */
  testHooks?: boolean
  logger?: Logger
  kinds?: readonly SampleKind[]
}

export interface DetailedResult<D = unknown> {
  result: EngineResult
  detail?: D
}

export interface WorkerEngine<D = unknown> extends Engine {
  /** like scan(), plus the engine's detail (findings, indicators) */
  scanDetailed(input: ScanInput, options?: AbortOptions): Promise<DetailedResult<D>>
  /** live workers, for tests and metrics */
  readonly workers: number
}

const isAborted = (signal?: AbortSignal): boolean => signal?.aborted === true
const HOST = new URL('./worker-host.ts', import.meta.url)
const INIT_TIMEOUT_MS = 120_000

interface Slot {
  worker: Worker
  /** settles the scan in flight, if any */
  onReply?: (reply: HostReply) => void
  onDeath?: (why: string) => void
  dead: boolean
}

/**
 * An engine whose scanner runs in worker threads (one scan per worker at a time, up to
 * `concurrency` workers). A scan that overruns its budget terminates its worker (`timeout`); a
 * worker that throws, exits or runs out of heap yields `failure`; an abort terminates it and
 * rejects. A replacement worker is started for the next scan, so the engine lives on.
 */
export function createWorkerEngine<D = unknown> (options: WorkerEngineOptions): WorkerEngine<D> {
  const { name, timeoutMs, logger, method } = options
  const kinds = options.kinds ?? ['file']
  const limiter = createLimiter(options.concurrency)
  const idle: Slot[] = []
  const all = new Set<Slot>()
  let version = ''
  let date = ''
  let running = false

  const make = (category: EngineResult['category'], label = ''): EngineResult => ({
    engine: name, engineVersion: version, engineUpdate: date, category, result: label.slice(0, 256), method
  })

  async function spawn (): Promise<Slot> {
    const worker = new Worker(HOST, {
      workerData: { module: options.module.href, options: options.moduleOptions, testHooks: options.testHooks === true },
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 512 },
      stdout: false,
      stderr: false
    })
    const slot: Slot = { worker, dead: false }
    all.add(slot)
    const die = (why: string): void => {
      if (slot.dead) return
      slot.dead = true
      all.delete(slot)
      const i = idle.indexOf(slot)
      if (i !== -1) idle.splice(i, 1)
      slot.onDeath?.(why)
    }
    worker.on('message', (reply: HostReply) => { slot.onReply?.(reply) })
    worker.on('error', (err) => { die(`worker error: ${err.message}`) })
    worker.on('exit', (code) => { die(`worker exited with code ${code}`) })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { fail(`${name} worker did not start in ${INIT_TIMEOUT_MS} ms`) }, INIT_TIMEOUT_MS)
      const fail = (message: string): void => {
        clearTimeout(timer)
        slot.onReply = undefined
        slot.onDeath = undefined
        void worker.terminate()
        reject(new EngineUnavailableError(`${name}: ${message}`))
      }
      slot.onDeath = fail
      slot.onReply = (reply) => {
        if (reply.type === 'init-error') { fail(reply.message); return }
        if (reply.type !== 'ready') return
        clearTimeout(timer)
        slot.onReply = undefined
        slot.onDeath = undefined
        version = reply.version.slice(0, 64)
        date = reply.signatureDate
        resolve()
      }
    })
    return slot
  }

  const discard = (slot: Slot): void => {
    slot.dead = true
    all.delete(slot)
    slot.onReply = undefined
    slot.onDeath = undefined
    void slot.worker.terminate()
  }

  let nextId = 1
  async function runOn (slot: Slot, input: ScanInput, { signal }: AbortOptions = {}): Promise<DetailedResult<D>> {
    const id = nextId++
    return await new Promise<DetailedResult<D>>((resolve, reject) => {
      const settle = (keep: boolean): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        slot.onReply = undefined
        slot.onDeath = undefined
        if (keep && !slot.dead && running) idle.push(slot)
        else if (!slot.dead) discard(slot)
      }
      const timer = setTimeout(() => {
        settle(false)
        logger?.warn({ engine: name, sha256: input.sha256, timeoutMs }, 'engine worker over budget: terminated')
        resolve({ result: make('timeout') })
      }, timeoutMs)
      const onAbort = (): void => {
        settle(false)
        reject(new ScanAbortedError({ cause: signal?.reason }))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      slot.onDeath = (why) => {
        settle(false)
        logger?.warn({ engine: name, sha256: input.sha256, why }, 'engine worker died mid-scan')
        resolve({ result: make('failure') })
      }
      slot.onReply = (reply) => {
        if (reply.type === 'result' && reply.id === id) {
          settle(true)
          date = reply.signatureDate
          const verdict = reply.verdict as WorkerVerdict<D>
          resolve({ result: make(verdict.category, verdict.result), detail: verdict.detail })
        } else if (reply.type === 'error' && reply.id === id) {
          settle(true)
          logger?.warn({ engine: name, sha256: input.sha256, error: reply.message }, 'engine scan failed')
          resolve({ result: make('failure') })
        }
      }
      const request: HostRequest = { type: 'scan', id, bytes: input.bytes, fileType: input.fileType }
      // a worker_threads port, not a window: there is no target origin
      // oxlint-disable-next-line unicorn/require-post-message-target-origin
      slot.worker.postMessage(request)
    })
  }

  async function scanDetailed (input: ScanInput, scanOptions: AbortOptions = {}): Promise<DetailedResult<D>> {
    const { signal } = scanOptions
    if (!running) throw new EngineNotStartedError(name)
    if (signal?.aborted === true) throw new ScanAbortedError({ cause: signal.reason })
    if (!kinds.includes(input.kind)) return { result: make('type-unsupported') }
    try {
      return await limiter.run(async () => {
        if (!running) throw new EngineNotStartedError(name)
        let slot = idle.pop()
        if (slot === undefined) {
          try {
            slot = await spawn()
          } catch (err) {
            logger?.warn({ engine: name, err }, 'cannot start an engine worker')
            return { result: make('failure') }
          }
        }
        // a function call, so TypeScript does not keep the narrowing from before the awaits
        if (isAborted(signal)) {
          idle.push(slot)
          throw new ScanAbortedError({ cause: signal?.reason })
        }
        return await runOn(slot, input, { signal })
      }, { signal })
    } catch (err) {
      if (isAborted(signal) && !(err instanceof ScanAbortedError)) throw new ScanAbortedError({ cause: signal?.reason })
      throw err
    }
  }

  return {
    name,
    kinds,
    get version () { return version },
    get signatureDate () { return date },
    get workers () { return all.size },
    async start () {
      if (running) return
      idle.push(await spawn())
      running = true
    },
    async stop () {
      running = false
      idle.length = 0
      await Promise.all([...all].map(async slot => {
        slot.onDeath?.('engine stopped')
        discard(slot)
        await slot.worker.terminate()
      }))
    },
    scanDetailed,
    async scan (input, scanOptions) {
      return (await scanDetailed(input, scanOptions)).result
    }
  }
}
