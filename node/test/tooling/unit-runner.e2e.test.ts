// The unit runner (node/test/runner/unit-runner.ts) in a child Node with the unit guard preloaded, as
// `npm run test:unit` runs it, over probe files: a failing assertion, a throw at import, a caught process
// start and a file over its time each fail the run under their own file's name and no other; a file's
// top-level teardown runs when that file ends, before the next starts; a run of passing files exits 0; a
// timer a file leaves behind fails the run instead of holding it open.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import type { Test } from 'tap'

const GUARD = new URL('../fixtures/unit-guard.ts', import.meta.url).pathname
const RUNNER = new URL('../runner/unit-runner.ts', import.meta.url).href

const PROBES: Record<string, string[]> = {
  'a.test.mjs': [
    "import tap from 'tap'",
    "tap.teardown(() => { console.log('# a torn down') })",
    "tap.test('a passes', async (t) => { t.pass('a') })"
  ],
  'b.test.mjs': [
    "import tap from 'tap'",
    "tap.test('b runs', async (t) => { console.log('# b runs'); t.equal(1, 2, 'b fails') })"
  ],
  'c.test.mjs': [
    "import tap from 'tap'",
    "import { spawnSync } from 'node:child_process'",
    "tap.test('c catches', async (t) => { try { spawnSync('true', ['--port', '0']) } catch { t.pass('caught') } })"
  ],
  'd.test.mjs': ["throw new Error('d breaks at import')"],
  'f.test.mjs': [
    "import tap from 'tap'",
    "tap.test('f waits 3 s', async (t) => { await new Promise((r) => setTimeout(r, 3000)); t.pass('f') })"
  ],
  'g.test.mjs': [
    "import tap from 'tap'",
    "tap.test('g leaves a timer', async (t) => { setTimeout(() => {}, 600_000); t.pass('g') })"
  ],
  'e.test.mjs': [
    "import tap from 'tap'",
    'tap.jobs = 2',
    "tap.test('e one', async (t) => { await new Promise((r) => setTimeout(r, 50)); t.pass('e1') })",
    "tap.test('e two', async (t) => { t.pass('e2') })"
  ]
}

async function runner (t: Test, files: string[], { timeout = '30', lingerMs = 30_000 } = {}): Promise<{ status: number | null, stdout: string, stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-unit-runner-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  for (const [name, lines] of Object.entries(PROBES)) await writeFile(join(dir, name), lines.join('\n') + '\n')
  const script = `import { runTestFiles } from ${JSON.stringify(RUNNER)}\nrunTestFiles(${JSON.stringify(files)}, ${JSON.stringify({ root: dir, lingerMs })})\n`
  const env = { ...process.env, VIRUSMAP_UNIT_GUARD: '1', TAP_TIMEOUT: timeout }
  const out = spawnSync(process.execPath, [`--import=${GUARD}`, '--input-type=module', '--eval', script], { env, encoding: 'utf8', cwd: dir, timeout: 60_000 })
  return { status: out.status, stdout: out.stdout, stderr: out.stderr }
}

/** the top-level result lines: a file each */
const fileLines = (stdout: string): string[] => stdout.split('\n').filter((l) => /^(not )?ok \d+ - /.test(l)).map((l) => l.replace(/ # time=.*$/, ''))

tap.test('each failure is reported under its own file; the other files pass', async (t) => {
  const { status, stdout } = await runner(t, ['a.test.mjs', 'b.test.mjs', 'c.test.mjs', 'd.test.mjs', 'e.test.mjs'])
  t.equal(status, 1, 'the run fails')
  t.same(fileLines(stdout), [
    'ok 1 - a.test.mjs',
    'not ok 2 - b.test.mjs',
    'not ok 3 - c.test.mjs',
    'not ok 4 - d.test.mjs',
    'ok 5 - e.test.mjs'
  ])
  t.match(stdout, /not ok 1 - b fails/, 'the failing assertion, inside b')
  t.match(stdout, /c\.test\.mjs starts a process \(true --port 0\).*\*\.e2e\.test\.ts/, 'the guard names c, though c caught the throw')
  t.match(stdout, /d breaks at import/)
  t.ok(stdout.indexOf('# a torn down') < stdout.indexOf('# b runs'), 'a\'s top-level teardown ran when a ended, before b')
})

tap.test('a run of passing files exits 0', async (t) => {
  const { status, stdout } = await runner(t, ['a.test.mjs', 'e.test.mjs'])
  t.equal(status, 0)
  t.same(fileLines(stdout), ['ok 1 - a.test.mjs', 'ok 2 - e.test.mjs'])
})

tap.test('a file over its time fails under its name, and the next file still runs', async (t) => {
  const { status, stdout } = await runner(t, ['f.test.mjs', 'a.test.mjs'], { timeout: '1' })
  t.equal(status, 1)
  t.same(fileLines(stdout), ['not ok 1 - f.test.mjs', 'ok 2 - a.test.mjs'])
  t.match(stdout, /timeout/)
})

tap.test('a run held open by what a file left running fails, naming it, instead of hanging', async (t) => {
  const started = Date.now()
  const { status, stdout, stderr } = await runner(t, ['g.test.mjs'], { lingerMs: 500 })
  t.same(fileLines(stdout), ['ok 1 - g.test.mjs'], 'its tests passed')
  t.equal(status, 1, 'the run fails')
  t.match(stderr, /held by what they left running: .*Timeout/)
  t.ok(Date.now() - started < 30_000, 'well before the 10 minute timer')
})
