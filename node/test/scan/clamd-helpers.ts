import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createConnection, createServer } from 'node:net'
import { join } from 'node:path'
import { PROJECT_CLAMAV_DIR, buildClamavDatabase } from '../../src/scan/clamav-db.ts'
import { clamdConfig, startClamdProcess } from '../../src/scan/clamd-process.ts'
import { instreamFrames } from '../../src/scan/clamd-session.ts'
import { TEST_HOOKS } from '../../src/scan/worker-protocol.ts'
import { clientReader } from './clamd-client-reader.ts'
import type { ClamdProcess } from '../../src/scan/clamd-process.ts'
import type { Socket } from 'node:net'
import type { Test } from 'tap'

export { noClamd } from '../fixtures/system-packages.ts'

export interface ClamdFixture {
  socket: string
  databaseDir: string
  /** kills clamd (SIGKILL) as a crash would */
  kill(): Promise<void>
  /** starts clamd again on the same socket and database */
  restart(): Promise<void>
}

/** a short private directory for unix sockets (their paths are limited to 107 bytes; tap's fixture paths are longer) */
export function socketDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vm-sock-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

/**
 * A private clamd for one test: a database built from node/rules/clamav (plus the sigtool hash
 * list of `hashFiles`), a generated config with its LocalSocket in the test's directory, run in
 * the foreground as our child and killed at teardown. No system service is involved.
 */
export async function startClamd (t: Test, options: { hashFiles?: string[], streamMaxLength?: string } = {}): Promise<ClamdFixture> {
  const dir = t.testdir({ db: {}, tmp: {} })
  const databaseDir = join(dir, 'db')
  await buildClamavDatabase({ sources: [PROJECT_CLAMAV_DIR], outDir: databaseDir, hashFiles: options.hashFiles })
  const socket = join(socketDir(t), 'clamd.sock')
  const configPath = join(dir, 'clamd.conf')
  writeFileSync(configPath, clamdConfig({
    socket, databaseDir, tmpDir: join(dir, 'tmp'), maxThreads: 4, streamMaxLength: options.streamMaxLength ?? '64M', maxScanSize: '256M', maxFileSize: '64M'
  }))
  let proc: ClamdProcess | undefined
  const launch = async (): Promise<void> => { proc = await startClamdProcess({ configPath, socket }) }
  const kill = async (): Promise<void> => { await proc?.kill() }
  t.teardown(kill)
  await launch()
  return { socket, databaseDir, kill, restart: launch }
}

/**
 * A unix-socket stand-in in front of a real clamd that misbehaves on the test-hook samples: it
 * never answers once a session sends TEST_HOOKS.hang and drops the connection mid-scan on
 * TEST_HOOKS.crash (as a clamd crash would); every other command is passed through on one
 * upstream connection per client connection, so sessions and their reply ids are kept.
 */
export async function misbehavingProxy (t: Test, upstream: string): Promise<{ path: string, readonly connections: number }> {
  const path = join(socketDir(t), 'proxy.sock')
  const held: Socket[] = []
  let connections = 0
  const server = createServer(client => {
    connections++
    const up = createConnection({ path: upstream })
    let holding = false
    client.on('error', () => {})
    up.on('error', () => { client.destroy() })
    up.on('close', () => { client.destroy() })
    client.on('close', () => { up.destroy() })
    up.pipe(client)
    client.on('data', clientReader(command => {
      if (holding || client.destroyed) return
      const text = command.body?.toString('latin1') ?? ''
      if (text.includes(TEST_HOOKS.hang)) { holding = true; held.push(client); return }
      if (text.includes(TEST_HOOKS.crash)) { client.destroy(); return }
      if (command.body === undefined) up.write(`z${command.name}\0`)
      else for (const frame of instreamFrames(command.body)) up.write(frame)
    }))
  })
  await new Promise<void>(resolve => { server.listen(path, resolve) })
  t.teardown(async () => {
    for (const s of held) s.destroy()
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  })
  return { path, get connections () { return connections } }
}
