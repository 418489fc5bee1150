import tap from 'tap'
import { withinBudget } from '../../src/quorum/budget.ts'

tap.test('work inside the budget gives its value; work past it gives undefined at once', async (t) => {
  t.equal(await withinBudget(Promise.resolve(7), new AbortController().signal), 7)
  const c = new AbortController()
  let release: ((v: number) => void) | undefined
  const slow = new Promise<number>((resolve) => { release = resolve })
  const pending = withinBudget(slow, c.signal)
  c.abort()
  t.equal(await pending, undefined, 'the abort ends the wait, the work does not')
  release?.(1)
  t.equal(await withinBudget(Promise.resolve(1), c.signal), undefined, 'an already spent budget waits for nothing')
})

tap.test('a rejection before the budget ends is the caller\'s; one after it is swallowed', async (t) => {
  await t.rejects(withinBudget(Promise.reject(new RangeError('engine broke')), new AbortController().signal), RangeError)
  const c = new AbortController()
  let fail: ((e: Error) => void) | undefined
  const late = new Promise<number>((_resolve, reject) => { fail = reject })
  const pending = withinBudget(late, c.signal)
  c.abort()
  t.equal(await pending, undefined)
  fail?.(new Error('cleanup failed after the budget'))
  await new Promise((resolve) => setImmediate(resolve))
  t.pass('no unhandled rejection')
})
