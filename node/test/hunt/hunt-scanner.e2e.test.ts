/**
 * The hunt's YARA-X scanner (SPEC 19): rulesets of different vendors compile apart (one cannot name
 * another's rule), include statements are refused (they would read a file of the node and echo it), a
 * malformed ruleset is RULES_INVALID without its source in the error, a compile over its bound is
 * COMPILE_TIMEOUT, matches come back per ruleset, and a slow ruleset is found and quarantined without costing the others their matches.
 */
import tap from 'tap'
import type { Hex } from '#protocol/messages.ts'
import { createHuntScanner } from '../../src/hunt/hunt-scanner.ts'
import { silentLogger, SLOW_RULE, SLOW_SAMPLE } from '../scan/yara-helpers.ts'

const A = `0x${'aa'.repeat(32)}` as Hex
const B = `0x${'bb'.repeat(32)}` as Hex
const scanner = createHuntScanner({ compileTimeoutMs: 20_000, logger: silentLogger })
tap.teardown(async () => { await scanner.stop() })

tap.test('malformed, including and foreign-referencing rules are refused by code, their text kept out of the error', async (t) => {
  const secret = 'rule leak_me_not { strings: $s = "TOPSECRET_NEEDLE" condition: $s and }'
  await t.rejects(scanner.check(secret), { name: 'HuntError', code: 'RULES_INVALID' })
  const err = await scanner.check(secret).then(() => new Error('compiled'), (e: unknown) => e as Error)
  t.notMatch(err.message, /TOPSECRET|leak_me_not/, 'the error quotes no rule text')
  t.match(err.message, /YARA-X E[0-9]{3}/)
  const include = await scanner.check('include "/etc/passwd"\nrule a { condition: true }').then(() => new Error('compiled'), (e: unknown) => e as Error)
  t.match(include, { code: 'RULES_INVALID' })
  t.notMatch(include.message, /root:/, 'no file of the node is read into the error')
  await t.rejects(scanner.check('rule b { condition: a }'), { code: 'RULES_INVALID' }, 'a rule of another ruleset cannot be named')
  await t.rejects(scanner.check(''), { code: 'RULES_INVALID' }, 'no rules at all')
  await t.rejects(scanner.check('\u0000\uffff'), { code: 'RULES_INVALID' })
})

tap.test('a compile over its bound is COMPILE_TIMEOUT', async (t) => {
  const hasty = createHuntScanner({ compileTimeoutMs: 1, logger: silentLogger })
  await t.rejects(hasty.check('rule a { condition: true }'), { code: 'COMPILE_TIMEOUT' })
  await hasty.stop()
})

tap.test('matches come back per ruleset; rulesets with the same rule names stay apart', async (t) => {
  await scanner.check('rule same { strings: $a = "needle" condition: $a }')
  await scanner.load([
    { rulesetId: A, source: 'rule same { strings: $a = "needle" condition: $a }\nrule other { strings: $b = "haystack" condition: $b }' },
    { rulesetId: B, source: 'rule same { strings: $a = "haystack" condition: $a }' }
  ])
  t.equal(scanner.rulesets, 2)
  let out = await scanner.match(Buffer.from('a needle in a haystack'), { timeoutMs: 10_000 })
  t.same(out.status === 'done' ? Object.fromEntries(out.matches) : out, { [A]: ['other', 'same'], [B]: ['same'] })
  out = await scanner.match(Buffer.from('nothing'), { timeoutMs: 10_000 })
  t.same(out.status === 'done' ? [...out.matches] : out, [])
})

tap.test('a slow vendor rule costs only its own ruleset: found alone, quarantined, and the others still match every sample', async (t) => {
  const QUICK = 'rule quick { strings: $a = "AAAA" condition: $a }'
  // the slow rule never ends on 64 KiB (filesize² loop); the budget only has to let the quick one, run alone
  // in a process started for it, finish on a busy machine (300 ms did not at load 14)
  const BUDGET = { timeoutMs: 1500 }
  await scanner.load([{ rulesetId: A, source: SLOW_RULE }, { rulesetId: B, source: QUICK }])
  let out = await scanner.match(SLOW_SAMPLE, BUDGET)
  t.same(out.status === 'done' ? { matches: Object.fromEntries(out.matches), overBudget: out.overBudget } : out, { matches: { [B]: ['quick'] }, overBudget: [A] },
    'the shared scan ran over budget: each ruleset alone, the slow one over budget, the quick one matched')
  out = await scanner.match(SLOW_SAMPLE, BUDGET)
  t.same(out.status === 'done' ? { matches: Object.fromEntries(out.matches), overBudget: out.overBudget } : out, { matches: { [B]: ['quick'] }, overBudget: [A] },
    'the next sample: the slow ruleset in its quarantine, over its own budget, the quick one in the shared process')
  out = await scanner.match(Buffer.from('AAAA, and the slow rule is quick on four bytes'), { timeoutMs: 10_000 })
  t.same(out.status === 'done' ? { matches: Object.fromEntries(out.matches), overBudget: out.overBudget } : out, { matches: { [B]: ['quick'] }, overBudget: [] }, 'a sample the quarantined ruleset finishes on in time')
  await scanner.load([{ rulesetId: A, source: SLOW_RULE }])
  t.same(await scanner.match(SLOW_SAMPLE, BUDGET), { status: 'timeout' }, 'one ruleset, over budget: a timeout')
  t.same(await scanner.match(SLOW_SAMPLE, BUDGET), { status: 'timeout' }, 'and again, from its quarantine')
  await scanner.load([{ rulesetId: B, source: QUICK }])
  out = await scanner.match(SLOW_SAMPLE, { timeoutMs: 10_000 })
  t.same(out.status === 'done' ? Object.fromEntries(out.matches) : out, { [B]: ['quick'] })
  await scanner.load([])
  t.same(await scanner.match(SLOW_SAMPLE, { timeoutMs: 10_000 }), { status: 'done', matches: new Map(), overBudget: [] }, 'no rulesets: nothing runs')
})
