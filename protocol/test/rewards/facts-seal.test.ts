import tap from 'tap'
import type { Test } from 'tap'
import { checkFacts, sealFacts } from '#protocol/rewards/facts.ts'
import type { RewardFacts } from '#protocol/rewards/facts.ts'
import { facts, item, wallet } from './reward-fixtures.ts'

const code = (t: Test, fn: () => void, expected: string, name: string): void => {
  t.throws(fn, { code: expected }, name)
}

tap.test('sealed facts are frozen, their lists too, and pass the check', async (t) => {
  const f = sealFacts(facts({ submitter: wallet(1), item: item(1), labels: ['a'] }))
  t.ok(Object.isFrozen(f) && Object.isFrozen(f.labels) && Object.isFrozen(f.revealed))
  t.throws(() => { (f.labels as string[]).push('b') }, TypeError, 'a list cannot grow after the check')
  checkFacts(f)
  checkFacts(f)
  t.pass('checked twice')
})

tap.test('facts that can still change are checked every time: a change after a passed check is caught', async (t) => {
  const open = facts({ submitter: wallet(1), item: item(2) })
  checkFacts(open)
  ;(open as { item: string }).item = '0x1234'
  code(t, () => { checkFacts(open) }, 'BAD_FACTS', 'a short item after a passed check')
  const listOpen = Object.freeze({ ...facts({ submitter: wallet(1), item: item(3) }), labels: ['x'] }) as RewardFacts
  checkFacts(listOpen)
  ;(listOpen.labels as unknown[]).push(7)
  code(t, () => { checkFacts(listOpen) }, 'BAD_FACTS', 'frozen facts whose list is not: a label that is no string, added after the check')
})

tap.test('malformed facts are refused sealed or not, and a refusal is not remembered', async (t) => {
  const bad = sealFacts({ ...facts({ submitter: wallet(1), item: item(4) }), epoch: -1 })
  code(t, () => { checkFacts(bad) }, 'BAD_FACTS', 'a negative epoch')
  code(t, () => { checkFacts(bad) }, 'BAD_FACTS', 'and again')
  code(t, () => { checkFacts(null as unknown as RewardFacts) }, 'BAD_FACTS', 'null')
  code(t, () => { checkFacts(sealFacts({ ...facts({ submitter: wallet(1), item: item(5) }), revealed: Array.from({ length: 5000 }, () => wallet(2)) })) }, 'BAD_FACTS', 'an oversize list')
  code(t, () => { checkFacts(sealFacts({ ...facts({ submitter: wallet(1), item: item(6) }), fuzzy: 't1zz' })) }, 'BAD_FACTS', 'a malformed digest')
})
