import tap from 'tap'
import { editDistanceWithin } from '../../src/intel/edit-distance.ts'

tap.test('Levenshtein within a bound', async (t) => {
  t.ok(editDistanceWithin('metamask', 'metamask', 0))
  t.ok(editDistanceWithin('metamsk', 'metamask', 1))
  t.ok(editDistanceWithin('metamasks', 'metamask', 1))
  t.ok(editDistanceWithin('rnetamask', 'metamask', 2))
  t.notOk(editDistanceWithin('rnetamask', 'metamask', 1))
  t.notOk(editDistanceWithin('metamsak', 'metamask', 1), 'a swap is two edits for Levenshtein')
  t.notOk(editDistanceWithin('mutumusk', 'metamask', 2))
  t.notOk(editDistanceWithin('a'.repeat(5000), 'metamask', 2), 'a long host is cut off by the length gap')
  t.notOk(editDistanceWithin(`metamask${'x'.repeat(3)}`, 'metamask', 2))
  t.ok(editDistanceWithin('', '', 0))
  t.ok(editDistanceWithin('', 'ab', 2))
  t.notOk(editDistanceWithin('', 'abc', 2))
})

tap.test('with transpositions, a swap of neighbours is one edit', async (t) => {
  t.ok(editDistanceWithin('metamsak', 'metamask', 1, { transpositions: true }))
  t.ok(editDistanceWithin('emtamsak', 'metamask', 2, { transpositions: true }))
  t.notOk(editDistanceWithin('emtamsak', 'metamask', 1, { transpositions: true }))
  t.ok(editDistanceWithin('metamask', 'metamask', 0, { transpositions: true }))
})

/** the textbook full-matrix Levenshtein, as the reference */
function full (a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_row, i) => Array.from({ length: b.length + 1 }, (_cell, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
  }
  return d[a.length]![b.length]!
}

tap.test('agrees with a plain full-matrix Levenshtein on random strings', async (t) => {
  let seed = 7
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n }
  const word = (): string => Array.from({ length: rand(9) }, () => 'abc'[rand(3)]).join('')
  for (let k = 0; k < 500; k++) {
    const [a, b, max] = [word(), word(), rand(4)]
    t.equal(editDistanceWithin(a, b, max), full(a, b) <= max, `${a} ~ ${b} within ${max}`)
  }
})
