import { readFile, rm, writeFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AbortOptions } from '@libp2p/interface'

/**
 * The devnet's anvil is a native binary that cannot watch its parent, so a SIGKILLed devnet
 * leaves it running and holding the chain directory. Its pid is recorded here; the next start
 * stops a process still running under that pid, but only after checking it is the program we
 * started (the pid may have been reused by something else since).
 */
export async function recordPid (pidFile: string, pid: number): Promise<void> {
  await writeFile(pidFile, `${pid}\n`, { mode: 0o644 })
}

export async function forgetPid (pidFile: string): Promise<void> {
  await rm(pidFile, { force: true })
}

/** Stops the process named in `pidFile` if it is alive and runs `program`; returns its pid if it did. */
export async function stopStaleProcess (pidFile: string, program: string, options: AbortOptions & { graceMs?: number } = {}): Promise<number | undefined> {
  const text = await readFile(pidFile, 'utf8').catch(() => undefined)
  await forgetPid(pidFile)
  const pid = text === undefined ? Number.NaN : Number(text.trim())
  if (!Number.isSafeInteger(pid) || pid <= 1 || pid === process.pid) return undefined
  if (!alive(pid) || !await runs(pid, program)) return undefined
  // SIGTERM first: anvil writes its state file on SIGTERM, so the chain survives the cleanup
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + (options.graceMs ?? 10_000)
  while (alive(pid) && Date.now() < deadline) await sleep(50, undefined, { signal: options.signal })
  if (alive(pid)) process.kill(pid, 'SIGKILL')
  return pid
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    // ESRCH: gone; EPERM: someone else's process, so not ours to stop either
    return false
  }
}

/** argv[0]'s file name from /proc; where /proc is missing we cannot tell, so we leave it alone. */
async function runs (pid: number, program: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  const argv0 = cmdline.split('\0')[0] ?? ''
  return argv0.split('/').at(-1) === program
}
