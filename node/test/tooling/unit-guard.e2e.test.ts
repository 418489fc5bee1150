// The guard preloaded as `npm run test:unit` preloads it, in a child Node: an ESM named import of spawnSync
// is guarded too (syncBuiltinESMExports), and a file whose test catches the throw (a probe turned skip)
// still exits 1 with the message; a file that starts nothing exits 0, and without the flag nothing is guarded.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'

const GUARD = new URL('../fixtures/unit-guard.ts', import.meta.url).pathname

const run = (file: string, guard: boolean): { status: number | null, stderr: string } => {
  const env = { ...process.env, VIRUSMAP_UNIT_GUARD: guard ? '1' : '0' }
  const out = spawnSync(process.execPath, [`--import=${GUARD}`, file], { env, encoding: 'utf8' })
  return { status: out.status, stderr: out.stderr }
}

tap.test('the preloaded guard fails a file that starts a process, even when it catches the throw', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-unit-guard-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const probe = join(dir, 'probe.test.mjs')
  await writeFile(probe, [
    "import { spawnSync } from 'node:child_process'",
    "try { spawnSync('true', ['--port', '0']) } catch (e) { console.log('caught', e.code) }"
  ].join('\n'))
  const quiet = join(dir, 'quiet.test.mjs')
  await writeFile(quiet, "console.log('no process')\n")

  const guarded = run(probe, true)
  t.equal(guarded.status, 1, 'a caught throw still fails the file')
  t.match(guarded.stderr, /probe\.test\.mjs starts a process \(true --port 0\).*\*\.e2e\.test\.ts/)
  t.equal(run(quiet, true).status, 0, 'a file that starts nothing passes')
  t.equal(run(probe, false).status, 0, 'without VIRUSMAP_UNIT_GUARD=1 (npm test) nothing is guarded')
})
