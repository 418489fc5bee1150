import tap from 'tap'
import { readFileSync } from 'node:fs'
import { TEST_HOOKS } from '../../src/scan/worker-protocol.ts'
import { createYaraEngine } from '../../src/scan/yara-engine.ts'
import { SLOW_RULE, SLOW_SAMPLE, input, silentLogger } from './yara-helpers.ts'
import type { YaraEngineOptions } from '../../src/scan/yara-engine.ts'
import type { Test } from 'tap'

const MARKER_RULE = 'rule Tail_Marker { strings: $m = "virusmap-tail-marker" condition: $m at filesize - 20 }\n'

async function setup (t: Test, timeoutMs: number, extra: Partial<YaraEngineOptions> = {}, rules: Record<string, string> = { 'slow.yar': SLOW_RULE, 'marker.yar': MARKER_RULE }) {
  const dir = t.testdir({ rules })
  const engine = createYaraEngine({ rulesDirs: [`${dir}/rules`], timeoutMs, concurrency: 1, logger: silentLogger, testHooks: true, ...extra })
  t.teardown(async () => { await engine.stop() })
  await engine.start()
  return engine
}

const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}

tap.test('a scan over its budget is killed, reported as timeout, and the scanner replaced', async t => {
  const engine = await setup(t, 500)
  const [before] = engine.scannerPids
  const started = performance.now()
  const r = await engine.scan(input(SLOW_SAMPLE))
  t.equal(r.category, 'timeout')
  t.equal(r.result, '')
  t.ok(performance.now() - started < 5000, 'at the budget, not when the rule ends')
  t.equal((await engine.scan(input('small'))).category, 'undetected', 'the engine still works afterwards')
  t.not(engine.scannerPids[0], before, 'by a new scanner process')
  t.ok(before !== undefined && gone(before), 'the old one is dead')
})

tap.test('aborting mid-scan rejects promptly and kills the scanner', async t => {
  const engine = await setup(t, 600_000)
  const [pid] = engine.scannerPids
  const controller = new AbortController()
  setTimeout(() => { controller.abort(new Error('job cancelled')) }, 300)
  const started = performance.now()
  // without the kill this would run into the 600 s budget and the tap timeout
  await t.rejects(engine.scan(input(SLOW_SAMPLE), { signal: controller.signal }), { name: 'ScanAbortedError', code: 'SCAN_ABORTED' })
  t.ok(performance.now() - started < 3000, 'promptly')
  await new Promise(resolve => setTimeout(resolve, 200))
  t.ok(pid !== undefined && gone(pid), 'the scanner process is killed')
  t.equal((await engine.scan(input('small'))).category, 'undetected', 'and replaced')
})

tap.test('a scanner killed by SIGSEGV mid-scan yields failure, not a dead node', async t => {
  const engine = await setup(t, 10_000)
  t.equal((await engine.scan(input(TEST_HOOKS.crash))).category, 'failure')
  t.equal((await engine.scan(input(`x virusmap-tail-marker`))).result, 'Tail_Marker', 'the next scan runs on a new scanner')
})

tap.test('a scanner killed from outside mid-scan yields failure', async t => {
  const engine = await setup(t, 60_000)
  const [pid] = engine.scannerPids
  setTimeout(() => { if (pid !== undefined) process.kill(pid, 'SIGKILL') }, 300)
  t.equal((await engine.scan(input(SLOW_SAMPLE))).category, 'failure')
  t.equal((await engine.scan(input('small'))).category, 'undetected')
})

tap.test('a scanner that throws (exits non-zero) yields failure', async t => {
  const engine = await setup(t, 10_000)
  t.equal((await engine.scan(input(TEST_HOOKS.throw))).category, 'failure')
  t.equal((await engine.scan(input('small'))).category, 'undetected')
})

tap.test('a scanner running out of heap dies alone: failure', async t => {
  const engine = await setup(t, 60_000, { maxHeapMb: 64 })
  t.equal((await engine.scan(input(TEST_HOOKS.oom))).category, 'failure')
  t.equal((await engine.scan(input('small'))).category, 'undetected')
})

tap.test('scanner processes never write a core file (a core would hold sample bytes)', async t => {
  const engine = await setup(t, 10_000)
  const [pid] = engine.scannerPids
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8')
  t.match(limits, /^Max core file size\s+0\s+0\s/m)
})

tap.test('large samples go through whole, concurrently with small ones', async t => {
  const engine = await setup(t, 60_000, { concurrency: 2 }, { 'marker.yar': MARKER_RULE })
  const big = Buffer.alloc(64 << 20, 0x41)
  big.write('virusmap-tail-marker', big.length - 20, 'latin1')
  const [hit, small, miss] = await Promise.all([engine.scan(input(big)), engine.scan(input('x')), engine.scan(input(big.subarray(0, big.length - 1)))])
  t.equal(hit.result, 'Tail_Marker', 'the last bytes of 64 MiB arrive')
  t.equal(small.category, 'undetected')
  t.equal(miss.category, 'undetected', 'a frame ends where its sample ends')
})
