// `npm test`'s runner (node/test/runner/suite.ts) over probe files: tap's output passes through whole, the
// run ends by naming each failure under its file and subtest with its diagnostics, and the exit code is tap's.
import { spawnSync } from 'node:child_process'
import { relative } from 'node:path'
import tap from 'tap'
import type { Test } from 'tap'
import { ROOT } from '../runner/unit-runner.ts'

const SUITE = new URL('../runner/suite.ts', import.meta.url).pathname

const PROBES = {
  'passes.test.mjs': "import tap from 'tap'\ntap.test('fine', async (t) => { t.pass('yes') })\n",
  'fails.test.mjs': "import tap from 'tap'\ntap.test('outer', async (t) => { t.pass('first'); await t.test('inner', async (u) => { u.equal(1, 2, 'one is two') }) })\n"
}

function suite (t: Test, files: string[]): { status: number | null, stdout: string } {
  const dir = relative(ROOT, t.testdir(PROBES))
  // as `npm test` starts it: not as a child of this test's tap, whose TAP* variables make tap print no totals
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TAP') && !k.startsWith('_TAP')))
  const out = spawnSync(process.execPath, [SUITE, '--disable-coverage', '--jobs=1', ...files.map((f) => `${dir}/${f}`)], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 })
  return { status: out.status, stdout: out.stdout }
}

tap.test('a failing run: tap\'s output whole, then each failure named at the end with its diagnostics; exit 1', async (t) => {
  const { status, stdout } = suite(t, ['passes.test.mjs', 'fails.test.mjs'])
  t.equal(status, 1)
  t.match(stdout, /^ {12}not ok 1 - one is two$/m, 'tap\'s own line, where it was')
  const summary = stdout.slice(stdout.lastIndexOf('# { total'))
  t.match(summary, /# 1 failed:\n# {3}\S+fails\.test\.mjs > outer > inner > one is two\n/, 'named by file, subtests and assertion after tap\'s totals')
  t.match(summary, /# {7}compare: ===/, 'with its diagnostics')
  t.notMatch(summary, /passes\.test\.mjs/, 'the passing file is not named')
})

tap.test('a passing run: tap\'s output, no summary, exit 0', async (t) => {
  const { status, stdout } = suite(t, ['passes.test.mjs'])
  t.equal(status, 0)
  t.match(stdout, /# \{ total: 1, pass: 1 \}/)
  t.notMatch(stdout, /failed:/)
})
