import tap from 'tap'
import { LogBudget } from '../../src/network/log-budget.ts'

function budget (perWindow = 3, maxKeys = 4): { b: LogBudget, clock: { t: number } } {
  const clock = { t: 1_000 }
  return { b: new LogBudget({ perWindow, windowMs: 60_000, maxKeys, now: () => clock.t }), clock }
}

tap.test('writes perWindow lines per key, counts the rest, reports them on the next written line', async (t) => {
  const { b, clock } = budget()
  const admitted = Array.from({ length: 10 }, () => b.admit('peer-a'))
  t.same(admitted.map(a => a.allowed), [true, true, true, false, false, false, false, false, false, false])
  t.equal(admitted[9]?.suppressed, 7)
  clock.t += 60_000
  t.same(b.admit('peer-a'), { allowed: true, suppressed: 7 }, 'the first line of the next window says how many were dropped')
  t.same(b.admit('peer-a'), { allowed: true, suppressed: 0 })
})

tap.test('one flooding peer does not use up another peer\'s budget', async (t) => {
  const { b } = budget(2)
  for (let i = 0; i < 1000; i++) b.admit('flooder')
  t.equal(b.admit('honest').allowed, true)
})

tap.test('the key table is bounded: a peer-id spray forgets the oldest windows', async (t) => {
  const { b } = budget(1, 4)
  for (let i = 0; i < 10_000; i++) b.admit(`peer-${i}`)
  t.equal(b.size, 4)
  t.equal(b.admit('peer-0').allowed, true, 'a forgotten key starts a fresh window')
})

tap.test('rejects nonsense options', async (t) => {
  t.throws(() => new LogBudget({ perWindow: 0, windowMs: 1, maxKeys: 1 }), RangeError)
  t.throws(() => new LogBudget({ perWindow: 1, windowMs: 0, maxKeys: 1 }), RangeError)
  t.throws(() => new LogBudget({ perWindow: 1, windowMs: 1, maxKeys: 0 }), RangeError)
  t.throws(() => new LogBudget({ perWindow: Number.NaN, windowMs: 1, maxKeys: 1 }), RangeError)
})
