// npx run by the machine's npm on an older Node, as a newcomer does: the project's own commands print
// no EBADENGINE warning (package.json's engines name the Node that runs npm; the code runs on the
// `node` dependency's Node 24, which the bin hands itself to).
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve as resolvePath } from 'node:path'
import tap from 'tap'

const REPO = resolvePath(import.meta.dirname, '../../..')
/** PATH without node_modules/.bin, so `npm` and `node` are the machine's, not the project's Node 24 */
const MACHINE_PATH = (process.env.PATH ?? '').split(delimiter).filter((d) => !d.includes('node_modules')).join(delimiter)

const machineNode = spawnSync('node', ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: MACHINE_PATH } })
const machineNpm = spawnSync('npm', ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: MACHINE_PATH } })

tap.test('engines: the Node that runs npm for the project; the lockfile agrees', async (t) => {
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string }, dependencies: Record<string, string> }
  const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> }
  t.equal(pkg.engines.node, '>=20')
  t.equal(lock.packages['']?.engines?.node, pkg.engines.node)
  t.match(pkg.dependencies.node, /^\^24\./, 'the code\'s Node 24 is a dependency')
  t.equal((await readFile(join(REPO, '.node-version'), 'utf8')).trim(), '24')
})

if (machineNode.status !== 0 || machineNpm.status !== 0) {
  tap.comment('SKIPPED: no node and npm on PATH outside node_modules')
} else {
  tap.test(`npx --prefix from another directory (npm ${machineNpm.stdout.trim()} on Node ${machineNode.stdout.trim()}): no EBADENGINE, the CLI runs`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'vm-npx-'))
    t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
    const { NODE_OPTIONS: _ignored, ...env } = process.env
    // a fresh npm cache: the first npx of a --prefix project installs a link to it, which is when npm checks engines
    const r = spawnSync('npx', ['--prefix', REPO, 'virusmap', '--help'], {
      cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...env, PATH: MACHINE_PATH, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' }
    })
    t.equal(r.status, 0, r.stderr)
    t.match(r.stdout, /^usage: virusmap <command>/)
    t.notMatch(r.stderr, /EBADENGINE/, r.stderr)
    t.notMatch(r.stderr, /npm warn/, 'no npm warning at all')
  })
}
