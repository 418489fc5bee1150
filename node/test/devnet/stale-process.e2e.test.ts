import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { startAnvil } from '../../src/chain/anvil.ts'
import { recordPid, stopStaleProcess } from '../../src/devnet/stale-process.ts'

const dir = await mkdtemp(join(tmpdir(), 'virusmap-stale-'))
tap.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
const pidFile = join(dir, 'anvil.pid')

tap.test('stops an anvil left running under the recorded pid, with SIGTERM so it saves its state', async (t) => {
  const stateFile = join(dir, 'state.json')
  const anvil = await startAnvil({ stateFile })
  t.teardown(async () => { await anvil.stop() })
  const pid = anvil.process.pid as number
  await recordPid(pidFile, pid)
  const exited = once(anvil.process, 'exit')
  t.equal(await stopStaleProcess(pidFile, 'anvil'), pid)
  await exited
  t.ok((await readFile(stateFile, 'utf8')).length > 0, 'anvil dumped its state on the way out')
  await t.rejects(readFile(pidFile), { code: 'ENOENT' }, 'the pid file is gone')
})

tap.test('leaves alone a live process that is not the program (a reused pid)', async (t) => {
  const other = spawn('sleep', ['30'], { stdio: 'ignore' })
  t.teardown(() => { other.kill('SIGKILL') })
  await recordPid(pidFile, other.pid as number)
  t.equal(await stopStaleProcess(pidFile, 'anvil'), undefined)
  t.equal(other.exitCode, null, 'still running')
  t.equal(other.signalCode, null)
})

tap.test('missing, dead or garbage pid files are not an error', async (t) => {
  t.equal(await stopStaleProcess(join(dir, 'none.pid'), 'anvil'), undefined)
  const dead = spawn('true', { stdio: 'ignore' })
  await once(dead, 'exit')
  for (const content of [`${dead.pid}\n`, 'abc', '', '1', '0', '-5', `${process.pid}`, '1e400', '9'.repeat(1000), 'x'.repeat(1 << 20)]) {
    await writeFile(pidFile, content)
    t.equal(await stopStaleProcess(pidFile, 'anvil'), undefined, `pid file ${JSON.stringify(content.slice(0, 20))}`)
  }
})
