import { EngineNotStartedError, ScanAbortedError } from './engine.ts'
import { createLimiter } from './limiter.ts'
import type { ScanOutcome, ScannerProcess, ScannerReady } from './yara-scanner-process.ts'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

export interface ScannerPoolOptions {
  size: number
  /** starts one scanner process (its rules compiled) */
  spawn: (options: AbortOptions) => Promise<ScannerProcess>
  logger?: Logger
}

/** The scanner a task holds: every scan goes to the same slot, whose process is replaced when it dies. */
export interface PooledScanner {
  scan(bytes: Uint8Array, options: AbortOptions & { timeoutMs: number }): Promise<ScanOutcome>
}

export interface ScannerPool {
  /** starts every process; resolves with what the first one compiled, rejects with the first failure */
  start(): Promise<ScannerReady>
  stop(): Promise<void>
  /** runs `task` holding one scanner; tasks beyond the pool size wait in FIFO order */
  use<T>(task: (scanner: PooledScanner) => Promise<T>, options?: AbortOptions): Promise<T>
  /** live processes' ids, for tests and metrics */
  readonly pids: number[]
}

interface Slot {
  current: Promise<ScannerProcess>
  process?: ScannerProcess
  failed: boolean
}

async function abortable<T> (work: Promise<T>, { signal }: AbortOptions = {}): Promise<T> {
  if (signal === undefined) return await work
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([work, new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

/**
 * A fixed number of warm scanner processes. A process that dies (killed on a timeout or an
 * abort, or crashed) is replaced at once, so the next scan finds the rules compiled again.
 */
export function createScannerPool (options: ScannerPoolOptions): ScannerPool {
  const { size, logger } = options
  const limiter = createLimiter(size)
  let slots: Slot[] = []
  let free: Slot[] = []
  let running = false

  /** follows a slot's process: a process that dies is replaced while the pool runs */
  const watch = (slot: Slot): void => {
    const current = slot.current
    current.then((proc) => {
      if (slot.current !== current) return
      slot.process = proc
      void proc.exited.then(() => {
        if (running && slot.current === current) launch(slot)
      })
    }, (err: unknown) => {
      if (slot.current !== current) return
      slot.failed = true
      if (running) logger?.warn({ err }, 'YARA scanner process did not start')
    })
  }
  const launch = (slot: Slot): void => {
    slot.current = options.spawn({})
    slot.failed = false
    slot.process = undefined
    watch(slot)
  }
  const newSlot = (): Slot => {
    const slot: Slot = { current: options.spawn({}), failed: false }
    watch(slot)
    return slot
  }

  const scannerFor = (slot: Slot): PooledScanner => ({
    async scan (bytes, scanOptions) {
      // a process killed on its last scan's budget is replaced now, not when its exit is seen
      if (running && (slot.failed || slot.process?.alive === false)) launch(slot)
      let proc: ScannerProcess
      try {
        proc = await abortable(slot.current, { signal: scanOptions.signal })
      } catch (err) {
        if (scanOptions.signal?.aborted === true) throw new ScanAbortedError({ cause: scanOptions.signal.reason })
        return { status: 'failed', why: `no scanner process: ${(err as Error).message}` }
      }
      return await proc.scan(bytes, scanOptions)
    }
  })

  return {
    get pids () { return slots.flatMap(s => s.process === undefined ? [] : [s.process.pid]) },
    async start () {
      running = true
      slots = Array.from({ length: size }, newSlot)
      free = [...slots]
      try {
        const all = await Promise.all(slots.map(async s => await s.current))
        return all[0]?.ready ?? { version: '', compiled: [], skipped: [] }
      } catch (err) {
        await this.stop()
        throw err
      }
    },
    async stop () {
      running = false
      const stopping = slots
      slots = []
      free = []
      await Promise.all(stopping.map(async (slot) => {
        const proc = await slot.current.catch(() => undefined)
        proc?.kill()
        await proc?.exited
      }))
    },
    async use (task, useOptions = {}) {
      return await limiter.run(async () => {
        const slot = free.pop()
        if (slot === undefined) throw new EngineNotStartedError('YARA')
        try {
          return await task(scannerFor(slot))
        } finally {
          if (slots.includes(slot)) free.push(slot)
        }
      }, useOptions)
    }
  }
}
