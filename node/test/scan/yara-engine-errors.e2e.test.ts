import tap from 'tap'
import type { Test } from 'tap'
import { createYaraEngine } from '../../src/scan/yara-engine.ts'
import { EngineError } from '../../src/scan/engine.ts'
import { eicar, input, silentLogger } from './yara-helpers.ts'

const GOOD = 'rule Good_Rule { strings: $a = "virusmap-good-marker" condition: $a }\n'

const engineFor = (t: Test, rules: NonNullable<Parameters<Test['testdir']>[0]>) => {
  const dir = t.testdir({ rules })
  const engine = createYaraEngine({ rulesDirs: [`${dir}/rules`], timeoutMs: 10_000, concurrency: 1, logger: silentLogger })
  t.teardown(async () => { await engine.stop() })
  return engine
}

tap.test('a malformed rule file is skipped, not fatal', async t => {
  const engine = engineFor(t, {
    'a-good.yar': GOOD,
    'b-broken.yar': 'rule Broken { condition: $nowhere }\n',
    'c-garbage.yara': '\u0000\u00ff not yara at all {{{',
    nested: { 'd-good.yara': 'rule Good_Rule { condition: false }\nrule Nested_Rule { strings: $b = "nested-marker" condition: $b }\n' },
    'notes.txt': 'not a rule file, never read'
  })
  await engine.start()
  t.same(engine.ruleStats?.skippedFiles.map(f => f.path.split('/').pop()), ['b-broken.yar', 'c-garbage.yara'])
  t.match(engine.ruleStats?.skippedFiles[0]?.error, /^E\d{3}: /, 'the YARA-X error code leads')
  t.equal(engine.ruleStats?.files, 2, 'equal rule names in two files do not collide')
  t.equal((await engine.scan(input('xx virusmap-good-marker xx'))).result, 'Good_Rule')
  t.equal((await engine.scan(input('nested-marker'))).result, 'Nested_Rule', 'directories are walked recursively')
})

tap.test('files keep yara\'s per-file scope: equal names, global rules, file order', async t => {
  const engine = engineFor(t, {
    'a.yar': 'rule Dup { strings: $a = "both" condition: $a }\n',
    'b.yar': 'rule Dup { condition: false }\nrule B_Also { strings: $a = "both" condition: $a }\nrule B_Only { strings: $a = "b-only" condition: $a }\n',
    'c.yar': 'global private rule Only_Big { condition: filesize > 100 }\nrule C_Marker { strings: $a = "c-marker" condition: $a }\n',
    'd.yar': 'rule D_Marker { strings: $a = "d-marker" condition: $a }\n',
    // a declaration the source-level grouping cannot see: the clash is found by compiling
    'e.yar': '/* hidden */ rule D_Marker { strings: $a = "e-marker" condition: $a }\n'
  })
  await engine.start()
  t.equal(engine.ruleStats?.skippedFiles.length, 0)
  t.equal((await engine.scan(input('both'))).result, 'Dup', 'the first file\'s rule wins')
  t.equal((await engine.scan(input('b-only'))).result, 'B_Only')
  t.equal((await engine.scan(input('c-marker'))).category, 'undetected', 'a global rule holds in its own file')
  t.equal((await engine.scan(input('c-marker'.padEnd(200, '.')))).result, 'C_Marker')
  t.equal((await engine.scan(input('d-marker'))).result, 'D_Marker', 'and nowhere else')
  t.equal((await engine.scan(input('e-marker'))).result, 'D_Marker')
})

tap.test('an empty rules dir fails with NO_RULES', async t => {
  const engine = engineFor(t, { 'readme.md': 'no rules here' })
  await t.rejects(engine.start(), { name: 'NoRulesError', code: 'NO_RULES' })
})

tap.test('rule files none of which compiles fail with RULES_COMPILE_FAILED', async t => {
  const engine = engineFor(t, { 'x.yar': 'rule {', 'y.yar': 'rule Y { condition: nope }' })
  const err = await engine.start().then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof EngineError)
  t.match(err, { name: 'RulesCompileError', code: 'RULES_COMPILE_FAILED' })
  t.same(engine.scannerPids, [], 'no scanner process is left running')
})

tap.test('a missing rules dir rejects', async t => {
  const engine = createYaraEngine({ rulesDirs: ['/nonexistent/virusmap-rules'], timeoutMs: 1000 })
  await t.rejects(engine.start(), { code: 'ENOENT' })
})

tap.test('scan before start or after stop, and with an aborted signal', async t => {
  const engine = engineFor(t, { 'a.yar': GOOD })
  await t.rejects(engine.scan(input(eicar())), { name: 'EngineNotStartedError', code: 'ENGINE_NOT_STARTED' })
  await t.rejects(engine.withSession(async scan => await scan(input('x'))), { code: 'ENGINE_NOT_STARTED' })
  await engine.start()
  await t.rejects(engine.scan(input('x'), { signal: AbortSignal.abort() }), { name: 'ScanAbortedError', code: 'SCAN_ABORTED' })
  await engine.stop()
  await t.rejects(engine.scan(input('x')), { code: 'ENGINE_NOT_STARTED' })
})
