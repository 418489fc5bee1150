// Embedded development chain: spawns the `anvil` binary shipped by the npm package
// @foundry-rs/anvil (its per-platform optional dependency), never a downloaded one.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type { AbortOptions } from '@libp2p/interface'

export type AnvilErrorCode = 'UNSUPPORTED_PLATFORM' | 'BINARY_MISSING' | 'EXITED' | 'TIMEOUT' | 'ABORTED'

export class AnvilError extends Error {
  override readonly name = 'AnvilError'
  readonly code: AnvilErrorCode
  constructor (code: AnvilErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

export interface AnvilOptions extends AbortOptions {
  /** TCP port; 0 (default) lets the OS pick a free one, read back from anvil's output. */
  port?: number
  host?: string
  /** Load chain state from this file if it exists and write it back on exit (SIGTERM/SIGINT). */
  stateFile?: string
  /** Also dump the state every N seconds, so a crash loses at most that much (needs stateFile). */
  stateIntervalSeconds?: number
  /** Interval mining in seconds; default is automine (a block per transaction). */
  blockTime?: number
  chainId?: number
  /** Fork this JSON-RPC endpoint's chain (anvil --fork-url), e.g. the wallet guard's simulation sidecar. */
  forkUrl?: string
  /** Dev accounts to create (default 10, each given 10000 ETH: on a fork that overwrites those addresses' real balances). */
  accounts?: number
  /** How long to wait for JSON-RPC to answer. */
  startTimeoutMs?: number
  /**
   * Keep no past states (anvil --prune-history): blocks and logs stay readable, a call at a past block fails.
   * Mining thousands of blocks then takes about 40 % less CPU (a test's catch-up chain).
   */
  pruneHistory?: boolean
}

export interface Anvil {
  rpcUrl: string
  chainId: number
  process: ChildProcess
  /** SIGTERM and wait for exit, so anvil writes its state file. Idempotent. */
  stop(): Promise<void>
}

const PLATFORM_PACKAGES: Record<string, string | undefined> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64'
}

/** Path of the anvil executable installed by the @foundry-rs/anvil npm package. */
export function anvilBinaryPath (): string {
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`]
  if (pkg === undefined) {
    throw new AnvilError('UNSUPPORTED_PLATFORM', `no anvil package for ${process.platform}-${process.arch}`)
  }
  const binary = process.platform === 'win32' ? 'anvil.exe' : 'anvil'
  const require = createRequire(import.meta.url)
  let path: string
  try {
    path = require.resolve(`${pkg}/bin/${binary}`)
  } catch {
    throw new AnvilError('BINARY_MISSING', `${pkg} is not installed (npm install @foundry-rs/anvil)`)
  }
  if (!existsSync(path)) throw new AnvilError('BINARY_MISSING', `anvil binary missing at ${path}`)
  return path
}

const LISTENING = /Listening on ([^\s:]+):(\d+)/
const STOP_GRACE_MS = 10_000

export async function startAnvil (options: AnvilOptions = {}): Promise<Anvil> {
  const { signal } = options
  signal?.throwIfAborted()
  const host = options.host ?? '127.0.0.1'
  const args = ['--host', host, '--port', String(options.port ?? 0)]
  if (options.stateFile !== undefined) {
    // anvil only reports a missing directory when it tries to dump on exit, i.e. too late.
    mkdirSync(dirname(options.stateFile), { recursive: true })
    args.push('--state', options.stateFile)
  }
  if (options.stateIntervalSeconds !== undefined) args.push('--state-interval', String(options.stateIntervalSeconds))
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime))
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId))
  if (options.forkUrl !== undefined) args.push('--fork-url', options.forkUrl)
  if (options.accounts !== undefined) args.push('--accounts', String(options.accounts))
  if (options.pruneHistory === true) args.push('--prune-history')

  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  // Never leave an orphan chain behind if this process exits without calling stop().
  const killOnExit = (): void => { child.kill('SIGKILL') }
  process.once('exit', killOnExit)
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      process.off('exit', killOnExit)
      resolve()
    })
  })

  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
        await exited
        clearTimeout(timer)
      }
    })()
    return stopping
  }

  try {
    const port = await waitForListening(child, options.startTimeoutMs ?? 15_000, { signal })
    const rpcUrl = `http://${host}:${port}`
    const chainId = await waitForRpc(rpcUrl, options.startTimeoutMs ?? 15_000, { signal })
    const onAbort = (): void => { void stop() }
    signal?.addEventListener('abort', onAbort, { once: true })
    void exited.then(() => signal?.removeEventListener('abort', onAbort))
    return { rpcUrl, chainId, process: child, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Reads anvil's stdout until it prints its bound address; keeps draining it afterwards. */
async function waitForListening (child: ChildProcess, timeoutMs: number, { signal }: AbortOptions = {}): Promise<number> {
  const stdout = child.stdout
  const stderr = child.stderr
  if (stdout === null || stderr === null) throw new AnvilError('EXITED', 'anvil has no output pipes')
  let output = ''
  let errors = ''
  stderr.setEncoding('utf8')
  stderr.on('data', (chunk: string) => { errors = (errors + chunk).slice(-4096) })
  stdout.setEncoding('utf8')
  return await new Promise<number>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer)
      stdout.off('data', onData)
      child.off('exit', onExit)
      signal?.removeEventListener('abort', onAbort)
      // Keep consuming output so a full pipe never blocks anvil.
      stdout.resume()
    }
    const onData = (chunk: string): void => {
      output = (output + chunk).slice(-8192)
      const match = LISTENING.exec(output)
      if (match?.[2] !== undefined) {
        cleanup()
        resolve(Number(match[2]))
      }
    }
    const onExit = (code: number | null): void => {
      cleanup()
      reject(new AnvilError('EXITED', `anvil exited with ${code ?? 'signal'} before listening: ${errors.trim()}`))
    }
    const onAbort = (): void => {
      cleanup()
      reject(new AnvilError('ABORTED', 'anvil start aborted'))
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new AnvilError('TIMEOUT', `anvil did not listen within ${timeoutMs} ms`))
    }, timeoutMs)
    stdout.on('data', onData)
    child.once('exit', onExit)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Polls eth_chainId until the node answers (a bound socket is not yet a serving node). */
async function waitForRpc (rpcUrl: string, timeoutMs: number, { signal }: AbortOptions = {}): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    signal?.throwIfAborted()
    try {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: signal ?? null
      })
      const body = await res.json() as { result?: string }
      if (typeof body.result === 'string') return Number(BigInt(body.result))
    } catch (err) {
      if (signal?.aborted === true) throw err
    }
    if (Date.now() > deadline) throw new AnvilError('TIMEOUT', `anvil JSON-RPC at ${rpcUrl} did not answer`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
