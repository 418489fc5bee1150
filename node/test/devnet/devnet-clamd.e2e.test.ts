import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { clamdScratchDir, startDevnetClamd } from '../../src/devnet/devnet-clamd.ts'
import { createClamdPool } from '../../src/scan/clamd-pool.ts'
import { parseScanReply } from '../../src/scan/clamd.ts'
import { ClamdProcessError, clamdConfig, findClamd, startClamdProcess } from '../../src/scan/clamd-process.ts'
import { noClamd } from '../fixtures/system-packages.ts'
import type { Test } from 'tap'

// EICAR's test string, assembled so this file is not itself a test virus
const EICAR = Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''))

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

async function shortDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vm-devnet-clamd-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

async function scan (socket: string, bytes: Uint8Array): Promise<ReturnType<typeof parseScanReply>> {
  const pool = createClamdPool({ address: { socket } })
  try {
    return parseScanReply(await pool.instream(bytes, { timeoutMs: 10_000 }))
  } finally {
    pool.close()
  }
}

tap.test('findClamd: PATH first, then the fallback dirs; only executable files', async (t) => {
  const dir = await shortDir(t)
  t.equal(findClamd('', []), undefined, 'nowhere to look')
  await mkdir(join(dir, 'a', 'clamd'), { recursive: true })
  await mkdir(join(dir, 'b'))
  await writeFile(join(dir, 'b', 'clamd'), '#!/bin/sh\n')
  t.equal(findClamd(`${join(dir, 'a')}:${join(dir, 'b')}`, []), undefined, 'a directory and a non-executable file are not clamd')
  await chmod(join(dir, 'b', 'clamd'), 0o755)
  t.equal(findClamd(`${join(dir, 'a')}:${join(dir, 'b')}`, []), join(dir, 'b', 'clamd'))
  t.equal(findClamd('', [join(dir, 'b')]), join(dir, 'b', 'clamd'), 'found in a fallback dir (Debian\'s /usr/sbin is not on a user\'s PATH)')
})

tap.test('clamdConfig refuses values that would write lines of their own', async (t) => {
  const base = { socket: '/tmp/s', databaseDir: '/tmp/db', tmpDir: '/tmp/t' }
  t.match(clamdConfig(base), /^LocalSocket \/tmp\/s\nLocalSocketMode 600\n/)
  t.throws(() => clamdConfig({ ...base, socket: '/tmp/s\nTCPSocket 3310' }), RangeError)
  t.throws(() => clamdConfig({ ...base, databaseDir: '' }), RangeError)
  t.throws(() => clamdConfig({ ...base, streamMaxLength: '1M\u0000' }), RangeError)
})

tap.test('a clamd that cannot start is CLAMD_EXITED with what it said', async (t) => {
  const dir = await shortDir(t)
  const configPath = join(dir, 'clamd.conf')
  await writeFile(configPath, clamdConfig({ socket: join(dir, 's'), databaseDir: join(dir, 'no-such-db'), tmpDir: dir }))
  const missing = await startClamdProcess({ program: join(dir, 'no-clamd'), configPath, socket: join(dir, 's') }).catch((err: unknown) => err)
  t.ok(missing instanceof ClamdProcessError)
  t.equal((missing as ClamdProcessError).code, 'CLAMD_EXITED')
  t.match((missing as Error).message, /ENOENT/)
  if (noClamd !== false) return
  const failed = await startClamdProcess({ program: findClamd(), configPath, socket: join(dir, 's') }).catch((err: unknown) => err)
  t.equal((failed as ClamdProcessError).code, 'CLAMD_EXITED', 'a missing database directory')
})

tap.test('the devnet clamd: the project\'s signatures in DIR/clamav, EICAR found, stopped with its socket, a stale one stopped at the next start', { skip: noClamd }, async (t) => {
  const dir = await shortDir(t)
  const program = findClamd() as string
  const lines: string[] = []
  const first = await startDevnetClamd({ dir, program, log: (l) => lines.push(l) })
  t.teardown(first.stop)
  t.equal(first.socket, join(dir, 'clamav', 'clamd.sock'))
  t.match(first.version, /^ClamAV /)
  t.ok(existsSync(join(first.databaseDir, 'virusmap.ndb')))
  t.equal((await stat(first.socket)).mode & 0o777, 0o600, 'only the devnet\'s user talks to it')
  t.same(await scan(first.socket, EICAR), { status: 'found', signature: 'VirusMap.Test.EICAR.UNOFFICIAL' })
  t.same(await scan(first.socket, Buffer.from('hello\n')), { status: 'clean' })
  t.equal(first.scratchDir, clamdScratchDir(join(dir, 'clamav')), 'its scratch where clamdScratchDir says (tmpfs when there is one)')
  await writeFile(join(first.scratchDir, 'left-mid-scan'), 'x')
  const rss = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${first.pid}/status`, 'utf8'))?.[1])
  t.ok(rss < 64 * 1024, `clamd RSS ${rss} kB stays small`)
  t.comment(`clamd RSS ${rss} kB`)

  // a devnet killed without stopping its clamd: the next start stops it
  const second = await startDevnetClamd({ dir, program, log: (l) => lines.push(l) })
  t.teardown(second.stop)
  t.notOk(alive(first.pid as number), 'the first clamd is gone')
  t.notOk(existsSync(join(second.scratchDir, 'left-mid-scan')), 'and what it left in its scratch')
  t.match(lines, [new RegExp(`stopped clamd \\(pid ${first.pid}\\)`)])
  t.same(await scan(second.socket, EICAR), { status: 'found', signature: 'VirusMap.Test.EICAR.UNOFFICIAL' })
  await second.stop()
  t.notOk(alive(second.pid as number), 'stop ends clamd')
  t.notOk(existsSync(second.socket), 'and its socket')
  t.notOk(existsSync(join(dir, 'clamav', 'clamd.pid')), 'and forgets its pid')
  t.notOk(existsSync(second.scratchDir), 'and removes its scratch')
})

tap.test('a devnet dir too deep for a unix socket gets its socket in a private temp dir, removed at stop', { skip: noClamd }, async (t) => {
  const dir = join(await shortDir(t), 'x'.repeat(100))
  const clamd = await startDevnetClamd({ dir, program: findClamd() as string })
  t.teardown(clamd.stop)
  t.ok(Buffer.byteLength(clamd.socket) <= 107)
  t.same(await scan(clamd.socket, EICAR), { status: 'found', signature: 'VirusMap.Test.EICAR.UNOFFICIAL' })
  await clamd.stop()
  t.notOk(existsSync(join(clamd.socket, '..')), 'the temp dir is removed')
})
