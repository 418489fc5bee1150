import { spawn } from 'node:child_process'
import type { AbortOptions } from '@libp2p/interface'

export interface ProcessOutcome {
  /** how the run ended: exit (any code), killed on timeout, killed because the output ran over, or never started */
  status: 'exited' | 'timeout' | 'oversize' | 'spawn-error'
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  error?: Error
}

export interface RunProcessOptions extends AbortOptions {
  timeoutMs: number
  /** stdout + stderr cap; a scanner that floods output is killed rather than buffered */
  maxOutputBytes?: number
}

/**
 * Runs a program without a shell and always settles: the child is SIGKILLed on timeout, on an
 * output flood and on abort, so a hung scanner never outlives its budget. Abort rejects with
 * the signal's reason; everything else resolves with an outcome the caller classifies.
 */
export async function runProcess (file: string, args: string[], options: RunProcessOptions): Promise<ProcessOutcome> {
  const { timeoutMs, maxOutputBytes = 1024 * 1024, signal } = options
  signal?.throwIfAborted()
  return await new Promise<ProcessOutcome>((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let size = 0
    let status: ProcessOutcome['status'] = 'exited'
    let settled = false

    const kill = (why: ProcessOutcome['status']): void => {
      if (status === 'exited') status = why
      child.kill('SIGKILL')
    }
    const onAbort = (): void => {
      child.kill('SIGKILL')
      finish()
      reject(signal?.reason)
    }
    const timer = setTimeout(() => { kill('timeout') }, timeoutMs)
    const finish = (): boolean => {
      if (settled) return false
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      return true
    }
    signal?.addEventListener('abort', onAbort, { once: true })

    const collect = (into: Buffer[]) => (chunk: Buffer): void => {
      size += chunk.length
      if (size > maxOutputBytes) { kill('oversize'); return }
      into.push(chunk)
    }
    child.stdout.on('data', collect(stdout))
    child.stderr.on('data', collect(stderr))
    child.once('error', (error) => {
      if (!finish()) return
      resolve({ status: 'spawn-error', code: null, signal: null, stdout: '', stderr: '', error })
    })
    child.once('close', (code, exitSignal) => {
      if (!finish()) return
      resolve({
        status,
        code,
        signal: exitSignal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8')
      })
    })
  })
}
