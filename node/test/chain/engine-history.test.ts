import tap from 'tap'
import { EngineHistory } from '../../src/chain/engine-history.ts'
import type { Hex } from '#protocol/messages.ts'

const A = '0x00000000000000000000000000000000000000aa' as Hex
const B = '0x00000000000000000000000000000000000000bb' as Hex

tap.test('engines answer by block, sorted, each list replacing the last', async (t) => {
  const h = new EngineHistory()
  h.set(A, 10, ['YARA', 'ClamAV', 'VirusMap-Heuristics'])
  h.set(A, 20, ['YARA'])
  h.set(B, 15, ['VirusMap-Archive'])
  h.set(A, 30, [])
  t.same(h.enginesAt(A, 9), [], 'none before the first list')
  t.same(h.enginesAt(A, 10), ['ClamAV', 'VirusMap-Heuristics', 'YARA'], 'sorted ascending, from its block on')
  t.same(h.enginesAt(A, 19), ['ClamAV', 'VirusMap-Heuristics', 'YARA'])
  t.same(h.enginesAt(A, 20), ['YARA'], 'a new list replaces the old one')
  t.same(h.enginesAt(A, 30), [], 'an empty list withdraws them')
  t.same(h.enginesAt(B, 20), ['VirusMap-Archive'], 'per operator')
})

tap.test('the last list set in a block wins; addresses compare case-insensitively', async (t) => {
  const h = new EngineHistory()
  h.set(A.replace('aa', 'AA') as Hex, 5, ['ClamAV'])
  h.set(A, 5, ['YARA', 'ClamAV'])
  t.same(h.enginesAt(A.replace('aa', 'AA') as Hex, 5), ['ClamAV', 'YARA'])
})

tap.test('answers are copies: a caller cannot change the history', async (t) => {
  const h = new EngineHistory()
  const given = ['YARA']
  h.set(A, 1, given)
  given.push('Forged')
  h.enginesAt(A, 1).push('Forged')
  t.same(h.enginesAt(A, 1), ['YARA'])
})

tap.test('truncateAfter forgets lists set after a block (a reorg)', async (t) => {
  const h = new EngineHistory()
  h.set(A, 10, ['YARA'])
  h.set(A, 20, ['ClamAV'])
  h.set(B, 25, ['YARA'])
  h.truncateAfter(19)
  t.same(h.enginesAt(A, 30), ['YARA'], 'the earlier list is in force again')
  t.same(h.enginesAt(B, 30), [], 'an operator whose only list was taken back has none')
})
