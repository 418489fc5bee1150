import { createHash } from 'node:crypto'
import { accessSync, constants, statSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PROJECT_CLAMAV_DIR, buildClamavDatabase } from '../scan/clamav-db.ts'
import { MAX_SOCKET_PATH, clamdConfig, startClamdProcess } from '../scan/clamd-process.ts'
import { forgetPid, recordPid, stopStaleProcess } from './stale-process.ts'
import type { AbortOptions } from '@libp2p/interface'

/** how to add ClamAV to a devnet that has none; the devnet runs its own clamd, never the package's service */
export const CLAMD_INSTALL_HINT = 'apt-get install clamav clamav-daemon'

export interface DevnetClamd {
  /** clamd's unix socket: what the members holding ClamAV stream their samples to */
  socket: string
  databaseDir: string
  /** clamd's TemporaryDirectory (clamdScratchDir), removed at stop */
  scratchDir: string
  /** clamd's VERSION line */
  version: string
  pid: number | undefined
  /** SIGTERM (clamd removes its socket) and wait; idempotent */
  stop(): Promise<void>
}

/** a RAM-backed directory the devnet may use, where the system has one */
export const SHM_DIR = '/dev/shm'

function writableDir (dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK)
    return statSync(dir).isDirectory()
  } catch {
    return false
  }
}

/**
 * Where the devnet's clamd writes each scanned stream and the directory it unpacks it in: under `shm`
 * (tmpfs) when it is a writable directory, else beside the config. Every scan creates and removes a
 * directory and files there; on this machine's ext4 that took clamd 420 ms of system CPU per 200 jobs
 * of bench/load.ts against 130 ms on tmpfs (1.5 ms a job of a 100 ms budget). The name follows the
 * devnet's dir, so a devnet killed before it removed its scratch finds and clears it at its next start.
 */
export function clamdScratchDir (home: string, shm: string = SHM_DIR): string {
  if (!writableDir(shm)) return join(home, 'tmp')
  return join(shm, `virusmap-clamd-${createHash('sha256').update(resolve(home)).digest('hex').slice(0, 16)}`)
}

/**
 * The devnet's one clamd, shared by every member that holds ClamAV: a database built from
 * node/rules/clamav into DIR/clamav/db at each start, its config and socket beside it (the socket in
 * a private temp dir when DIR's path is too long for one), its scratch in clamdScratchDir, two scan threads (about
 * 16 MB RSS with this database). Its pid is recorded as anvil's is, so a devnet that was killed
 * leaves no clamd behind after its next start.
 */
export async function startDevnetClamd (options: { dir: string, program: string, log?: (line: string) => void }, abort: AbortOptions = {}): Promise<DevnetClamd> {
  const { signal } = abort
  const home = join(options.dir, 'clamav')
  const databaseDir = join(home, 'db')
  const tmpDir = clamdScratchDir(home)
  const pidFile = join(home, 'clamd.pid')
  await mkdir(home, { recursive: true })
  const stale = await stopStaleProcess(pidFile, 'clamd', { signal })
  if (stale !== undefined) options.log?.(`clamav: stopped clamd (pid ${stale}) left running by a devnet that was killed`)
  // what a killed clamd left mid-scan
  await rm(tmpDir, { recursive: true, force: true })
  await mkdir(tmpDir, { recursive: true, mode: 0o700 })
  // a database from an older checkout may hold signatures since removed
  await rm(databaseDir, { recursive: true, force: true })
  await buildClamavDatabase({ sources: [PROJECT_CLAMAV_DIR], outDir: databaseDir })
  const inDir = join(home, 'clamd.sock')
  const socketDir = Buffer.byteLength(inDir) <= MAX_SOCKET_PATH ? undefined : await mkdtemp(join(tmpdir(), 'virusmap-clamd-'))
  const socket = socketDir === undefined ? inDir : join(socketDir, 'clamd.sock')
  const configPath = join(home, 'clamd.conf')
  await writeFile(configPath, clamdConfig({ socket, databaseDir, tmpDir, maxThreads: 2 }))
  const removeDirs = async (): Promise<void> => {
    await rm(tmpDir, { recursive: true, force: true })
    if (socketDir !== undefined) await rm(socketDir, { recursive: true, force: true })
  }
  let proc
  try {
    proc = await startClamdProcess({ program: options.program, configPath, socket }, { signal })
  } catch (err) {
    await removeDirs()
    throw err
  }
  const pid = proc.child.pid
  if (pid !== undefined) await recordPid(pidFile, pid)
  return {
    socket,
    databaseDir,
    scratchDir: tmpDir,
    version: proc.version,
    pid,
    async stop () {
      await proc.stop()
      await forgetPid(pidFile)
      await removeDirs()
    }
  }
}
