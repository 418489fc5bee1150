// node/bin/virusmap.js, as npx runs it from another directory: under the project's Node 24, and under
// an older Node (the machine's), which must hand the CLI to the project's Node 24 or say what it needs.
import { spawn, spawnSync } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import tap, { type Test } from 'tap'

const BIN = resolvePath(import.meta.dirname, '../../bin/virusmap.js')

/** a Node older than 24 on PATH (the machine's own), if there is one */
function olderNode (): { path: string, version: string } | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').filter((d) => d !== '' && !d.includes('node_modules'))) {
    const path = join(dir, 'node')
    const run = spawnSync(path, ['--version'], { encoding: 'utf8' })
    const version = run.stdout?.trim() ?? ''
    if (run.status === 0 && Number(/^v(\d+)\./.exec(version)?.[1]) < 24) return { path, version }
  }
  return undefined
}

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vm-bin-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

function runBin (node: string, bin: string, args: string[], cwd: string): { status: number | null, stdout: string, stderr: string } {
  // no NODE_OPTIONS: tap's loaders are for Node 24 and are not what a user's shell has
  const { NODE_OPTIONS: _ignored, ...env } = process.env
  const r = spawnSync(node, [bin, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

tap.test('under Node 24 the bin runs the CLI from any directory', async (t) => {
  const r = runBin(process.execPath, BIN, ['--help'], await tempDir(t))
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^usage: virusmap <command>/)
  t.match(r.stdout, /\n {2}init {2}/)
})

const older = olderNode()
if (older === undefined) {
  tap.comment('SKIPPED: no Node older than 24 on PATH, so the bin\'s hand-over to Node 24 is not exercised here')
} else {
  tap.test(`under ${older.version} (${older.path}) the bin hands the CLI to the project's Node 24`, async (t) => {
    const cwd = await tempDir(t)
    const help = runBin(older.path, BIN, ['--help'], cwd)
    t.equal(help.status, 0, help.stderr)
    t.notMatch(help.stderr, /ERR_UNKNOWN_FILE_EXTENSION/)
    t.match(help.stdout, /^usage: virusmap <command>/, 'the TypeScript CLI ran, which the older Node cannot run itself')
    const usage = runBin(older.path, BIN, ['lookup', 'f'.repeat(64)], cwd)
    t.equal(usage.status, 1, 'the exit code comes through')
    t.match(usage.stderr, /^virusmap: no deployment to verify against/)
  })

  tap.test('under an older Node without the project\'s Node 24 installed, the bin says which Node it needs', async (t) => {
    const dir = await tempDir(t)
    await mkdir(join(dir, 'node', 'bin'), { recursive: true })
    await writeFile(join(dir, 'package.json'), '{"type": "module"}')
    await copyFile(BIN, join(dir, 'node', 'bin', 'virusmap.js'))
    const r = runBin(older.path, join(dir, 'node', 'bin', 'virusmap.js'), ['--help'], dir)
    t.equal(r.status, 1)
    t.match(r.stderr, `virusmap: needs Node.js 24 or newer, but this is Node ${older.version} (${older.path})`)
    t.match(r.stderr, `run \`npm install\` in ${dir}/ (it installs Node 24 from npm's \`node\` package), or put Node 24 first on PATH`)
    t.equal(r.stdout, '')
  })

  tap.test('a SIGTERM to the bin reaches the CLI it started, which stops and exits with its code', async (t) => {
    const dir = await tempDir(t)
    // an API that takes connections and never answers, so the lookup waits
    const held: Array<import('node:net').Socket> = []
    const server = createServer((s) => { held.push(s) })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    t.teardown(() => { for (const s of held) s.destroy(); server.close() })
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    await writeFile(join(dir, 'deployment.json'), JSON.stringify({ chainId: 31337, rpcUrl: url, contracts: { registry: `0x${'12'.repeat(20)}` } }))
    const { NODE_OPTIONS: _ignored, ...env } = process.env
    const child = spawn(older.path, [BIN, 'lookup', 'f'.repeat(64), '--api', url, '--deployment', 'deployment.json'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 50))
    child.kill('SIGTERM')
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => { resolve(c) }))
    t.equal(code, 4, 'the CLI\'s own exit code for an interrupted request')
    t.match(stderr, /virusmap: interrupted/)
  })
}
