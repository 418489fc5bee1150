import tap from 'tap'
import { hasQuorum, quorumThreshold, revealsComplete } from '../src/index.ts'
import type { Hex } from '../src/messages.ts'

tap.test('threshold is n - floor((n - 1) / 3) for n = 1..10', async t => {
  const expected = [1, 2, 3, 3, 4, 5, 5, 6, 7, 7]
  expected.forEach((q, i) => t.equal(quorumThreshold(i + 1), q, `n=${i + 1}`))
  t.equal(quorumThreshold(4), 3, '3 of 4')
  t.equal(quorumThreshold(7), 5, '5 of 7')
})

tap.test('threshold is 2f + 1 whenever n = 3f + 1', async t => {
  for (let f = 0; f <= 33; f++) t.equal(quorumThreshold(3 * f + 1), 2 * f + 1)
})

tap.test('two quorums always share an honest member (2q - n > f)', async t => {
  for (let n = 1; n <= 100; n++) {
    const f = Math.floor((n - 1) / 3)
    t.ok(2 * quorumThreshold(n) - n > f, `n=${n}`)
  }
})

tap.test('hasQuorum', async t => {
  t.notOk(hasQuorum(2, 4))
  t.ok(hasQuorum(3, 4))
  t.ok(hasQuorum(4, 4))
  t.ok(hasQuorum(1, 1))
  t.notOk(hasQuorum(4, 7))
  t.ok(hasQuorum(5, 7))
})

tap.test('rejects member counts that are not positive integers', async t => {
  for (const n of [0, -1, 1.5, Number.NaN, Infinity]) t.throws(() => quorumThreshold(n), RangeError, String(n))
})

tap.test('the fault divisor is a parameter: n - floor((n - 1) / d)', async t => {
  t.equal(quorumThreshold(4, 3), quorumThreshold(4), 'default 3')
  t.same([1, 2, 3, 4, 5, 6, 7].map(n => quorumThreshold(n, 2)), [1, 2, 2, 3, 3, 4, 4], 'd = 2: a simple majority and one')
  t.same([1, 4, 5, 9].map(n => quorumThreshold(n, 4)), [1, 4, 4, 7], 'd = 4')
  t.equal(quorumThreshold(4, 100), 4, 'a huge divisor needs everyone while n - 1 < d')
  t.equal(quorumThreshold(200, 100), 199)
  t.ok(hasQuorum(2, 3, 2))
  t.notOk(hasQuorum(1, 3, 2))
  for (const d of [1, 0, -3, 2.5, Number.NaN, Infinity]) t.throws(() => quorumThreshold(4, d), RangeError, String(d))
})

/** four members, the commit deadline at 1000 */
const held = (committed: Hex[], revealed: Hex[], now: number): boolean =>
  revealsComplete({ memberCount: 4, committed, revealed: new Set(revealed), commitDeadline: 1000, now })

tap.test('revealsComplete: a member attests once nothing more can change what it holds (SPEC section 7)', async t => {
  const [a, b, c, d]: [Hex, Hex, Hex, Hex] = ['0xaa', '0xbb', '0xcc', '0xdd']
  t.ok(held([a, b, c, d], [a, b, c, d], 500), 'every member revealed: at once, even inside the commit window')
  t.notOk(held([a, b, c], [a, b, c], 1000), 'at the commit deadline a commitment may still be taken')
  t.ok(held([a, b, c], [a, b, c], 1001), 'after it, every member that committed revealed: one never committed')
  t.notOk(held([a, b, c], [a, b], 5000), 'a member that committed may still reveal')
  t.ok(held([], [], 1001), 'nothing committed is held (the job came late): nothing can come')
  t.notOk(held([a], [], 1001), 'a committed member that did not reveal')
  t.notOk(held([a, b], [c], 1001), 'a reveal of a member whose commitment is not held does not stand for one that is')
})
