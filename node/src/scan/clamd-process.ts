import { spawn } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { clamdCommand } from './clamd.ts'
import type { ChildProcess } from 'node:child_process'
import type { AbortOptions } from '@libp2p/interface'

export type ClamdProcessErrorCode = 'CLAMD_EXITED' | 'CLAMD_NOT_READY'

export class ClamdProcessError extends Error {
  override name = 'ClamdProcessError'
  readonly code: ClamdProcessErrorCode
  constructor (code: ClamdProcessErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** unix socket paths are limited to 108 bytes with the NUL (sun_path) */
export const MAX_SOCKET_PATH = 107

export interface ClamdConfigOptions {
  socket: string
  databaseDir: string
  tmpDir: string
  /** scan threads; clamd's memory grows with each (default 2) */
  maxThreads?: number
  /** clamd's StreamMaxLength, e.g. "25M"; keep the engine's maxStreamBytes at or below it */
  streamMaxLength?: string
  maxScanSize?: string
  maxFileSize?: string
}

/**
 * A clamd.conf for a clamd run as our child in the foreground: its own socket (owner only), database and
 * temp directories, no self-check (the database is built once per start, so there is nothing to reload).
 */
export function clamdConfig (options: ClamdConfigOptions): string {
  for (const [key, value] of Object.entries(options)) {
    // one option a line: a path with a line break would write options of its own
    // oxlint-disable-next-line no-control-regex
    if (typeof value === 'string' && (value === '' || /[\x00-\x1f\x7f]/.test(value))) throw new RangeError(`clamd config: ${key} must be non-empty, without control characters`)
  }
  return [
    `LocalSocket ${options.socket}`, 'LocalSocketMode 600', `DatabaseDirectory ${options.databaseDir}`, `TemporaryDirectory ${options.tmpDir}`,
    'Foreground yes', 'LogTime no', 'SelfCheck 0', `MaxThreads ${options.maxThreads ?? 2}`, `StreamMaxLength ${options.streamMaxLength ?? '25M'}`,
    ...(options.maxScanSize !== undefined ? [`MaxScanSize ${options.maxScanSize}`] : []),
    ...(options.maxFileSize !== undefined ? [`MaxFileSize ${options.maxFileSize}`] : []),
    ''
  ].join('\n')
}

/**
 * Where clamd is installed: on PATH, else Debian's /usr/sbin (not on a normal user's PATH), else
 * undefined. `path` is a PATH-style list; only executable files count.
 */
export function findClamd (path = process.env.PATH ?? '', fallback: readonly string[] = ['/usr/sbin', '/usr/local/sbin']): string | undefined {
  const dirs = [...path.split(delimiter).filter((d) => d !== ''), ...fallback]
  for (const dir of dirs) {
    const candidate = join(dir, 'clamd')
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch { /* not here */ }
  }
  return undefined
}

export interface ClamdProcess {
  child: ChildProcess
  /** clamd's VERSION line, e.g. "ClamAV 1.4.6/..." */
  version: string
  /** the last 4000 characters clamd printed */
  output(): string
  /** SIGTERM (clamd removes its socket), SIGKILL after `graceMs`; resolves once it exited. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>
  /** SIGKILL, as a crash would */
  kill(): Promise<void>
}

/**
 * Runs `clamd -c CONFIG` as our child and resolves once it answers PING on `socket` (loading even a
 * small database takes a second or two). A clamd that exits first, or does not answer within
 * `timeoutMs`, is a ClamdProcessError carrying what it printed.
 */
export async function startClamdProcess (options: { program?: string, configPath: string, socket: string, timeoutMs?: number }, abort: AbortOptions = {}): Promise<ClamdProcess> {
  const { signal } = abort
  signal?.throwIfAborted()
  const child = spawn(options.program ?? 'clamd', ['-c', options.configPath], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (d: Buffer): void => { output = (output + d.toString()).slice(-4000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let spawnFailed = false
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => { resolve() })
    // a clamd that could not be started (ENOENT, EACCES) never exits
    child.once('error', (err) => { keep(Buffer.from(err.message)); if (child.pid === undefined) { spawnFailed = true; resolve() } })
  })
  const gone = (): boolean => spawnFailed || child.exitCode !== null || child.signalCode !== null
  const end = async (sig: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (gone()) return
    child.kill(sig)
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }
  const proc: Omit<ClamdProcess, 'version'> = {
    child,
    output: () => output,
    stop: async ({ graceMs = 10_000 } = {}) => { await end('SIGTERM', graceMs) },
    kill: async () => { await end('SIGKILL', 0) }
  }
  const deadline = performance.now() + (options.timeoutMs ?? 60_000)
  try {
    while (true) {
      signal?.throwIfAborted()
      if (gone()) {
        throw new ClamdProcessError('CLAMD_EXITED', `clamd exited (${child.exitCode ?? child.signalCode ?? 'not started'}): ${output.trim().slice(-1000)}`)
      }
      try {
        const { line } = await clamdCommand({ socket: options.socket }, 'VERSION', { timeoutMs: 1000, signal })
        return { ...proc, version: line }
      } catch { /* not listening yet */ }
      if (performance.now() > deadline) throw new ClamdProcessError('CLAMD_NOT_READY', `clamd did not answer on ${options.socket} in time: ${output.trim().slice(-1000)}`)
      await sleep(100, undefined, { signal })
    }
  } catch (err) {
    await proc.kill()
    throw err
  }
}
