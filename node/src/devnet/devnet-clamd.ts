import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
  /** clamd's VERSION line */
  version: string
  pid: number | undefined
  /** SIGTERM (clamd removes its socket) and wait; idempotent */
  stop(): Promise<void>
}

/**
 * The devnet's one clamd, shared by every member that holds ClamAV: a database built from
 * node/rules/clamav into DIR/clamav/db at each start, its config, temp dir and socket beside it
 * (the socket in a private temp dir when DIR's path is too long for one), two scan threads (about
 * 16 MB RSS with this database). Its pid is recorded as anvil's is, so a devnet that was killed
 * leaves no clamd behind after its next start.
 */
export async function startDevnetClamd (options: { dir: string, program: string, log?: (line: string) => void }, abort: AbortOptions = {}): Promise<DevnetClamd> {
  const { signal } = abort
  const home = join(options.dir, 'clamav')
  const databaseDir = join(home, 'db')
  const tmpDir = join(home, 'tmp')
  const pidFile = join(home, 'clamd.pid')
  await mkdir(tmpDir, { recursive: true })
  const stale = await stopStaleProcess(pidFile, 'clamd', { signal })
  if (stale !== undefined) options.log?.(`clamav: stopped clamd (pid ${stale}) left running by a devnet that was killed`)
  // a database from an older checkout may hold signatures since removed
  await rm(databaseDir, { recursive: true, force: true })
  await buildClamavDatabase({ sources: [PROJECT_CLAMAV_DIR], outDir: databaseDir })
  const inDir = join(home, 'clamd.sock')
  const socketDir = Buffer.byteLength(inDir) <= MAX_SOCKET_PATH ? undefined : await mkdtemp(join(tmpdir(), 'virusmap-clamd-'))
  const socket = socketDir === undefined ? inDir : join(socketDir, 'clamd.sock')
  const configPath = join(home, 'clamd.conf')
  await writeFile(configPath, clamdConfig({ socket, databaseDir, tmpDir, maxThreads: 2 }))
  const removeSocketDir = async (): Promise<void> => { if (socketDir !== undefined) await rm(socketDir, { recursive: true, force: true }) }
  let proc
  try {
    proc = await startClamdProcess({ program: options.program, configPath, socket }, { signal })
  } catch (err) {
    await removeSocketDir()
    throw err
  }
  const pid = proc.child.pid
  if (pid !== undefined) await recordPid(pidFile, pid)
  return {
    socket,
    databaseDir,
    version: proc.version,
    pid,
    async stop () {
      await proc.stop()
      await forgetPid(pidFile)
      await removeSocketDir()
    }
  }
}
