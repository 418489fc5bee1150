import tap from 'tap'
import type { Test } from 'tap'
import { createYaraEngine } from '../../src/scan/yara-engine.ts'
import { EngineError } from '../../src/scan/engine.ts'
import { eicar, input, noYara, silentLogger } from './yara-helpers.ts'

const GOOD = 'rule Good_Rule { strings: $a = "virusmap-good-marker" condition: $a }\n'

const engineFor = (t: Test, rules: NonNullable<Parameters<Test['testdir']>[0]>, extra: Partial<Parameters<typeof createYaraEngine>[0]> = {}) => {
  const dir = t.testdir({ rules, tmp: {} })
  return createYaraEngine({ rulesDirs: [`${dir}/rules`], timeoutMs: 10_000, tmpDir: `${dir}/tmp`, logger: silentLogger, ...extra })
}

tap.test('a malformed rule file is skipped, not fatal', { skip: noYara }, async t => {
  const engine = engineFor(t, {
    'a-good.yar': GOOD,
    'b-broken.yar': 'rule Broken { condition: $nowhere }\n',
    'c-garbage.yara': '\u0000\u00ff not yara at all {{{',
    nested: { 'd-good.yara': 'rule Good_Rule { condition: false }\nrule Nested_Rule { strings: $b = "nested-marker" condition: $b }\n' },
    'notes.txt': 'not a rule file, never read'
  })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  t.same(engine.ruleStats?.skippedFiles.map(f => f.path.split('/').pop()), ['b-broken.yar', 'c-garbage.yara'])
  t.match(engine.ruleStats?.skippedFiles[0]?.error, /undefined string/)
  t.equal(engine.ruleStats?.files, 2, 'equal rule names in two files do not collide (one namespace per file)')
  t.equal((await engine.scan(input('xx virusmap-good-marker xx'))).result, 'Good_Rule')
  t.equal((await engine.scan(input('nested-marker'))).result, 'Nested_Rule', 'directories are walked recursively')
})

tap.test('an empty rules dir fails with NO_RULES', { skip: noYara }, async t => {
  const engine = engineFor(t, { 'readme.md': 'no rules here' })
  await t.rejects(engine.start(), { name: 'NoRulesError', code: 'NO_RULES' })
})

tap.test('rule files none of which compiles fail with RULES_COMPILE_FAILED', { skip: noYara }, async t => {
  const engine = engineFor(t, { 'x.yar': 'rule {', 'y.yar': 'rule Y { condition: nope }' })
  const err = await engine.start().then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof EngineError)
  t.match(err, { name: 'RulesCompileError', code: 'RULES_COMPILE_FAILED' })
})

tap.test('a missing rules dir rejects', { skip: noYara }, async t => {
  const engine = createYaraEngine({ rulesDirs: ['/nonexistent/virusmap-rules'], timeoutMs: 1000, tmpDir: t.testdir({}) })
  await t.rejects(engine.start(), { code: 'ENOENT' })
})

tap.test('a missing scanner fails with ENGINE_UNAVAILABLE', async t => {
  await t.rejects(engineFor(t, { 'a.yar': GOOD }, { yaraPath: '/nonexistent/yara' }).start(), { name: 'EngineUnavailableError', code: 'ENGINE_UNAVAILABLE' })
  await t.rejects(engineFor(t, { 'a.yar': GOOD }, { yaracPath: '/nonexistent/yarac' }).start(), { code: 'ENGINE_UNAVAILABLE' })
})

tap.test('scan before start or after stop, and with an aborted signal', { skip: noYara }, async t => {
  const engine = engineFor(t, { 'a.yar': GOOD })
  await t.rejects(engine.scan(input(eicar())), { name: 'EngineNotStartedError', code: 'ENGINE_NOT_STARTED' })
  await engine.start()
  await t.rejects(engine.scan(input('x'), { signal: AbortSignal.abort() }), { name: 'ScanAbortedError', code: 'SCAN_ABORTED' })
  await engine.stop()
  await t.rejects(engine.scan(input('x')), { code: 'ENGINE_NOT_STARTED' })
})
