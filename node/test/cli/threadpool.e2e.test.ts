// The CLI's libuv threadpool: sized before anything uses it (an fsync holds a thread for a device
// flush; Node's default of 4 capped a node at 4), and an operator's own UV_THREADPOOL_SIZE is kept.
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join, resolve as resolvePath } from 'node:path'
import tap from 'tap'
import { THREADPOOL_SIZE } from '../../src/cli/threadpool.ts'

const MAIN = resolvePath(import.meta.dirname, '../../src/cli/main.ts')

/** counts the process's libuv threads as it exits */
const COUNTER = `import { readdirSync, readFileSync } from 'node:fs'
process.on('exit', () => {
  const n = readdirSync('/proc/self/task').filter(t => readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim() === 'libuv-worker').length
  process.stderr.write('libuv-threads=' + n + '\\n')
})
`

/** runs the CLI on a config it must read (from the threadpool) and reject, returning its libuv thread count */
async function threadsOfCli (dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const counter = join(dir, 'counter.mjs')
  const config = join(dir, 'config.json')
  await writeFile(counter, COUNTER)
  await writeFile(config, '{}')
  // no NODE_OPTIONS: tap's preloads would use the threadpool before the CLI does
  const { NODE_OPTIONS: _, UV_THREADPOOL_SIZE: __, ...rest } = process.env
  const run = spawnSync(process.execPath, ['--import', counter, MAIN, 'supernode', '--config', config], { encoding: 'utf8', env: { ...rest, ...env } })
  const count = /libuv-threads=(\d+)/.exec(run.stderr)?.[1]
  if (count === undefined) throw new Error(`no thread count in: ${run.stderr}`)
  return Number(count)
}

tap.test('the CLI runs fs work on THREADPOOL_SIZE threads', { skip: process.platform !== 'linux' && 'reads /proc' }, async t => {
  t.ok(THREADPOOL_SIZE > 4, 'more than Node\'s default')
  t.equal(await threadsOfCli(t.testdir(), {}), THREADPOOL_SIZE)
})

tap.test('an operator\'s UV_THREADPOOL_SIZE is kept', { skip: process.platform !== 'linux' && 'reads /proc' }, async t => {
  t.equal(await threadsOfCli(t.testdir(), { UV_THREADPOOL_SIZE: '6' }), 6)
})
