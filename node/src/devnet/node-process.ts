import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import type { AbortOptions } from '@libp2p/interface'

const CLI = fileURLToPath(new URL('../cli/main.ts', import.meta.url))
const STOP_GRACE_MS = 10_000
const STDERR_TAIL_CHARS = 2000
/** how long a node that exited may take to hand over the rest of its stderr (a child of its own may hold the pipe open) */
const OUTPUT_GRACE_MS = 1000

export type NodeProcessErrorCode = 'NODE_EXITED' | 'NODE_NOT_READY'

export class NodeProcessError extends Error {
  override name = 'NodeProcessError'
  readonly code: NodeProcessErrorCode
  constructor (code: NodeProcessErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** The lines a node exits with when a port it was given is taken: the API's listen, or libp2p's listeners. */
const PORT_TAKEN = /EADDRINUSE|address already in use|failed to be listened on/

/** A node that exited at start because a port it was to bind was taken. */
export function portWasTaken (err: unknown): boolean {
  return err instanceof NodeProcessError && err.code === 'NODE_EXITED' && PORT_TAKEN.test(err.message)
}

export interface NodeProcess {
  child: ChildProcess
  /** the end of what the node wrote to stderr (its last error), so a node that exits at start says why */
  stderrTail(): string
  /** resolves once the process exited and its output was read to the end */
  closed: Promise<void>
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited */
  stop(): Promise<void>
}

/**
 * Runs one supernode as its own OS process (`virusmap supernode --config FILE`), with the same
 * Node runtime as the caller, its logs appended to `logFile`.
 */
export function spawnSupernode (configPath: string, logFile: string, options: { nodeOptions?: string } = {}): NodeProcess {
  const log = createWriteStream(logFile, { flags: 'a' })
  // a node is a plain runtime process: loaders a test runner put in NODE_OPTIONS (tap's
  // --import hooks) would slow every node's start and follow it into its own children; only
  // what the caller asks for (a profiler) is passed on
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env
  const env = options.nodeOptions === undefined ? inherited : { ...inherited, NODE_OPTIONS: options.nodeOptions }
  const child = spawn(process.execPath, [CLI, 'supernode', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group: a terminal's Ctrl-C reaches only the devnet, which stops each node
    // once, in order, instead of every node also catching the same SIGINT
    detached: true,
    env: { ...env, VIRUSMAP_EXIT_WITH_PARENT: '1' }
  })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  let tail = ''
  child.stderr?.on('data', (chunk: Buffer) => { tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS) })
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  const closed = new Promise<void>((resolve) => child.once('close', () => { resolve() }))
  return {
    child,
    stderrTail: () => tail,
    closed,
    async stop () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
      await exited
      clearTimeout(timer)
      log.end()
    }
  }
}

/**
 * Polls the node's health endpoint until it knows `minMembers` members and as many other nodes
 * subscribe to the jobs topic, so the first job published reaches everyone.
 */
export async function waitUntilReady (proc: NodeProcess, apiUrl: string, minMembers: number, options: AbortOptions & { timeoutMs?: number } = {}): Promise<void> {
  const signal = AbortSignal.any([
    ...(options.signal != null ? [options.signal] : []),
    AbortSignal.timeout(options.timeoutMs ?? 120_000)
  ])
  while (true) {
    if (proc.child.exitCode !== null) {
      await Promise.race([proc.closed, sleep(OUTPUT_GRACE_MS)])
      // the CLI writes one line for a failure (`virusmap: ...`): the last one says why the node stopped
      const said = proc.stderrTail().trim().split('\n').at(-1) ?? ''
      throw new NodeProcessError('NODE_EXITED', `supernode at ${apiUrl} exited with code ${proc.child.exitCode}${said === '' ? '' : `: ${said}`}`)
    }
    try {
      const res = await fetch(`${apiUrl}/healthz`, { signal })
      if (res.ok) {
        const body = await res.json() as { members?: number, jobTopicPeers?: number }
        if ((body.members ?? 0) >= minMembers && (body.jobTopicPeers ?? 0) >= minMembers - 1) return
      }
    } catch (err) {
      if (signal.aborted) throw new NodeProcessError('NODE_NOT_READY', `supernode at ${apiUrl} not ready: ${(err as Error).message}`)
    }
    await sleep(250, undefined, { signal }).catch(() => {})
  }
}
