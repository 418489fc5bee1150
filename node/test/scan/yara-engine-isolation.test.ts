import tap from 'tap'
import type { Test } from 'tap'
import { chmodSync, readdirSync } from 'node:fs'
import { createYaraEngine } from '../../src/scan/yara-engine.ts'
import { input, noYara, silentLogger } from './yara-helpers.ts'

// quadratic in the sample size: on 64 KiB this runs for minutes, long after any timeout
const SLOW_RULE = 'rule Slow { condition: for all i in (0..filesize) : ( for all j in (0..filesize) : ( uint8(i) != 0x100 + j ) ) }\n'
const SLOW_SAMPLE = new Uint8Array(64 * 1024).fill(0x41)

/** a stand-in scanner: answers --version like yara, then misbehaves as told */
const fakeYara = (behaviour: string): string => `#!/bin/sh\nif [ "$1" = --version ]; then exec yara --version; fi\n${behaviour}\n`

function setup (t: Test, timeoutMs: number, scanner?: string) {
  const dir = t.testdir({ rules: { 'slow.yar': SLOW_RULE }, tmp: {}, 'fake-yara': scanner ?? '' })
  if (scanner !== undefined) chmodSync(`${dir}/fake-yara`, 0o755)
  const engine = createYaraEngine({
    rulesDirs: [`${dir}/rules`], timeoutMs, tmpDir: `${dir}/tmp`, logger: silentLogger,
    ...(scanner !== undefined ? { yaraPath: `${dir}/fake-yara` } : {})
  })
  t.teardown(async () => { await engine.stop() })
  const samplesLeft = (): string[] => readdirSync(`${dir}/tmp`).filter(f => f.startsWith('sample-'))
  return { engine, samplesLeft }
}

tap.test('a scan over its budget is killed and reported as timeout', { skip: noYara }, async t => {
  const { engine, samplesLeft } = setup(t, 500)
  await engine.start()
  const r = await engine.scan(input(SLOW_SAMPLE))
  t.equal(r.category, 'timeout')
  t.equal(r.result, '')
  t.same(samplesLeft(), [], 'the sample copy is deleted')
  t.equal((await engine.scan(input('small'))).category, 'undetected', 'the engine still works afterwards')
})

tap.test('aborting mid-scan rejects promptly and kills the scanner', { skip: noYara }, async t => {
  const { engine, samplesLeft } = setup(t, 600_000)
  await engine.start()
  const controller = new AbortController()
  setTimeout(() => { controller.abort(new Error('job cancelled')) }, 300)
  // without the kill this would run into the 600 s budget and the tap timeout
  await t.rejects(engine.scan(input(SLOW_SAMPLE), { signal: controller.signal }), { name: 'ScanAbortedError', code: 'SCAN_ABORTED' })
  t.same(samplesLeft(), [])
})

tap.test('a crashing scanner yields failure, not a dead node', { skip: noYara }, async t => {
  const { engine, samplesLeft } = setup(t, 10_000, fakeYara('kill -SEGV $$'))
  await engine.start()
  t.equal((await engine.scan(input('x'))).category, 'failure')
  t.same(samplesLeft(), [])
})

tap.test('a scanner killed from outside yields failure', { skip: noYara }, async t => {
  const { engine } = setup(t, 10_000, fakeYara('kill -KILL $$'))
  await engine.start()
  t.equal((await engine.scan(input('x'))).category, 'failure')
})

tap.test('a scanner exiting non-zero yields failure', { skip: noYara }, async t => {
  const { engine } = setup(t, 10_000, fakeYara('echo "error scanning: could not map file" >&2; exit 1'))
  await engine.start()
  t.equal((await engine.scan(input('x'))).category, 'failure')
})

tap.test('a scanner flooding its output is killed: failure', { skip: noYara }, async t => {
  const { engine } = setup(t, 60_000, fakeYara('exec yes "f0:Flood [] [] flood"'))
  await engine.start()
  t.equal((await engine.scan(input('x'))).category, 'failure')
})

tap.test('a scanner printing garbage matches nothing', { skip: noYara }, async t => {
  const { engine } = setup(t, 10_000, fakeYara('echo "f0:Evil [x] [] /etc/passwd"; echo "garbage $2"; echo "f99:Bad Rule [] [] $2"'))
  await engine.start()
  t.equal((await engine.scan(input('x'))).category, 'undetected', 'lines naming another file or malformed are ignored')
})
