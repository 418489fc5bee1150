// The guard `npm run test:unit` preloads: every child_process starter throws PROCESS_IN_UNIT_TEST naming
// the test file and the command, and each throw is kept so the file fails at exit though a test caught it.
import tap from 'tap'
import { forbidProcesses, PROCESS_STARTERS, UnitTestProcessError } from '../fixtures/unit-guard.ts'

tap.test('each process starter throws PROCESS_IN_UNIT_TEST naming the file and the command', async (t) => {
  const target: Record<string, unknown> = {}
  const thrown = forbidProcesses(target, () => 'node/test/x.test.ts')
  for (const name of PROCESS_STARTERS) {
    const start = target[name] as (...args: unknown[]) => unknown
    t.throws(() => start('anvil', ['--port', '0']), { code: 'PROCESS_IN_UNIT_TEST', file: 'node/test/x.test.ts', command: 'anvil --port 0' }, name)
  }
  t.equal(thrown.length, PROCESS_STARTERS.length, 'every throw is kept for the exit check')
  t.ok(thrown.every((e) => e instanceof UnitTestProcessError))
  t.match(thrown[0]?.message, /node\/test\/x\.test\.ts starts a process \(anvil --port 0\).*\*\.e2e\.test\.ts/)
})

tap.test('a command without an argument list, or not a string, still names itself and is cut short', async (t) => {
  const target: Record<string, unknown> = {}
  forbidProcesses(target, () => 'f.test.ts')
  const exec = target.exec as (...args: unknown[]) => unknown
  t.throws(() => exec('ls -l', { cwd: '/' }), { code: 'PROCESS_IN_UNIT_TEST', command: 'ls -l' })
  t.throws(() => exec(undefined), { code: 'PROCESS_IN_UNIT_TEST', command: 'undefined' })
  const error = ((): unknown => { try { return exec('x'.repeat(1000)) } catch (e) { return e } })()
  t.ok(error instanceof UnitTestProcessError)
  t.equal((error as UnitTestProcessError).command.length, 120, 'a 1000-character command is cut to 120')
})
