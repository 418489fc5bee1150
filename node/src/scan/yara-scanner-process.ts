import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { EngineUnavailableError, NoRulesError, RulesCompileError, ScanAbortedError } from './engine.ts'
import { MAX_FRAME_BYTES, frameHeader } from './yara-scanner-protocol.ts'
import type { EngineError } from './engine.ts'
import type { ScannerInit, ScannerReply } from './yara-scanner-protocol.ts'
import type { YaraMatch } from './yara-output.ts'
import type { RuleSource } from './yara-rules.ts'
import type { AbortOptions } from '@libp2p/interface'

const CHILD = fileURLToPath(new URL('./yara-scanner-child.ts', import.meta.url))
const STDERR_TAIL_BYTES = 4096

export interface ScannerProcessOptions {
  files: RuleSource[]
  /** V8 old-generation cap of the scanner process (samples and rules live outside it) */
  maxHeapMb: number
  initTimeoutMs: number
  testHooks: boolean
  /** rules from outside the operator (hunt rulesets): each file its own unit, no includes */
  untrusted?: boolean
}

export interface ScannerReady {
  version: string
  compiled: number[]
  skipped: Array<{ index: number, error: string }>
}

export type ScanOutcome =
  | { status: 'done', matches: YaraMatch[] }
  | { status: 'timeout' }
  | { status: 'failed', why: string }

/** One warm scanner process: rules compiled, scanning one sample at a time. */
export interface ScannerProcess {
  readonly pid: number
  readonly ready: ScannerReady
  /** false from the moment it is killed or exits */
  readonly alive: boolean
  /** resolves (with the reason) once the process is gone */
  readonly exited: Promise<string>
  /** resolves with an outcome; rejects with ScanAbortedError when `signal` aborts (the process is killed) */
  scan(bytes: Uint8Array, options: AbortOptions & { timeoutMs: number }): Promise<ScanOutcome>
  kill(): void
}

const initError = (reply: Extract<ScannerReply, { type: 'init-error' }>): EngineError =>
  reply.code === 'RULES_COMPILE_FAILED'
    ? new RulesCompileError(reply.message)
    : reply.code === 'NO_RULES' ? new NoRulesError([reply.message]) : new EngineUnavailableError(reply.message)

/**
 * Starts a scanner process and resolves once its rules are compiled. A process, not a worker
 * thread: the matcher is native code, and a fault in it must end the scanner, not the node.
 * It runs under `ulimit -c 0` so a crash never writes a core file holding sample bytes.
 */
export async function startScannerProcess (options: ScannerProcessOptions, startOptions: AbortOptions = {}): Promise<ScannerProcess> {
  startOptions.signal?.throwIfAborted()
  const child = spawn('/bin/sh', ['-c', 'ulimit -c 0 && exec "$0" "$@"', process.execPath, `--max-old-space-size=${options.maxHeapMb}`, CHILD], {
    stdio: ['pipe', 'ignore', 'pipe', 'ipc']
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES) })
  // a write to a process that just died fails with EPIPE; its exit is what reports that
  child.stdin?.on('error', () => {})
  let onReply: ((reply: ScannerReply) => void) | undefined
  let onGone: ((why: string) => void) | undefined
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      const why = `${signal !== null ? `killed by ${signal}` : `exited with code ${code}`}${stderr.trim() !== '' ? `: ${stderr.trim().slice(-500)}` : ''}`
      onGone?.(why)
      resolve(why)
    })
  })
  // on, not once: a failed send after the process died is an 'error' too, and must not go unhandled
  child.on('error', (err) => { onGone?.(`cannot run the scanner: ${err.message}`) })
  child.on('message', (reply: ScannerReply) => { onReply?.(reply) })
  let alive = true
  void exited.then(() => { alive = false })
  const kill = (): void => {
    alive = false
    child.kill('SIGKILL')
  }

  const ready = await new Promise<ScannerReady>((resolve, reject) => {
    const fail = (err: Error): void => {
      done()
      kill()
      reject(err)
    }
    const timer = setTimeout(() => { fail(new EngineUnavailableError(`YARA scanner did not start in ${options.initTimeoutMs} ms`)) }, options.initTimeoutMs)
    const onAbort = (): void => { fail(new ScanAbortedError({ cause: startOptions.signal?.reason })) }
    const done = (): void => {
      clearTimeout(timer)
      startOptions.signal?.removeEventListener('abort', onAbort)
      onReply = undefined
      onGone = undefined
    }
    startOptions.signal?.addEventListener('abort', onAbort, { once: true })
    onGone = (why) => { fail(new EngineUnavailableError(`YARA scanner ${why}`)) }
    onReply = (reply) => {
      if (reply.type === 'init-error') fail(initError(reply))
      else if (reply.type === 'ready') {
        done()
        resolve({ version: reply.version.slice(0, 64), compiled: reply.compiled, skipped: reply.skipped })
      }
    }
    const init: ScannerInit = { type: 'init', files: options.files, testHooks: options.testHooks, ...(options.untrusted === true ? { untrusted: true } : {}) }
    child.send(init)
  })

  let nextId = 1
  let busy = false
  return {
    pid: child.pid ?? -1,
    ready,
    get alive () { return alive },
    exited,
    kill,
    async scan (bytes, { timeoutMs, signal }) {
      if (signal?.aborted === true) throw new ScanAbortedError({ cause: signal.reason })
      if (busy) throw new Error('a scanner process scans one sample at a time')
      if (!alive) return { status: 'failed', why: 'the scanner process is gone' }
      if (bytes.length > MAX_FRAME_BYTES) return { status: 'failed', why: `sample of ${bytes.length} bytes is over the frame limit` }
      busy = true
      const id = nextId
      nextId = nextId >= MAX_FRAME_BYTES ? 1 : nextId + 1
      return await new Promise<ScanOutcome>((resolve, reject) => {
        const settle = (): void => {
          busy = false
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          onReply = undefined
          onGone = undefined
        }
        // the matcher cannot be interrupted: a scan over its budget costs the process
        const timer = setTimeout(() => {
          settle()
          kill()
          resolve({ status: 'timeout' })
        }, timeoutMs)
        const onAbort = (): void => {
          settle()
          kill()
          reject(new ScanAbortedError({ cause: signal?.reason }))
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        onGone = (why) => {
          settle()
          resolve({ status: 'failed', why })
        }
        onReply = (reply) => {
          if ((reply.type !== 'result' && reply.type !== 'error') || reply.id !== id) return
          settle()
          resolve(reply.type === 'result' ? { status: 'done', matches: reply.matches } : { status: 'failed', why: reply.message })
        }
        // no copy: the frame is written straight from the caller's bytes
        child.stdin?.write(frameHeader(id, bytes.length))
        child.stdin?.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      })
    }
  }
}
