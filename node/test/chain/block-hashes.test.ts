import tap from 'tap'
import { BlockHashWindow, findCommonAncestor } from '../../src/chain/block-hashes.ts'

tap.test('the window keeps the newest hashes in block order and forgets after a block', async (t) => {
  const w = new BlockHashWindow(3)
  for (const b of [1, 2, 3, 4]) w.remember(b, `h${b}`)
  t.equal(w.size, 3, 'bounded')
  t.equal(w.hashAt(1), undefined, 'the oldest fell out')
  t.equal(w.hashAt(4), 'h4')
  t.same(w.newestFirst().map((e) => e.block), [4, 3, 2])
  t.throws(() => w.remember(4, 'again'), RangeError, 'blocks only go forward')
  w.forgetAfter(2)
  t.same(w.newestFirst(), [{ block: 2, hash: 'h2' }])
  w.remember(3, 'h3b')
  t.equal(w.hashAt(3), 'h3b', 'a block forgotten can be remembered again with its new hash')
  t.throws(() => new BlockHashWindow(0), RangeError)
})

tap.test('the common ancestor is the newest remembered block the chain still has', async (t) => {
  const w = new BlockHashWindow()
  for (const b of [10, 20, 30, 40]) w.remember(b, `h${b}`)
  const chain = new Map<number, string>([[10, 'h10'], [20, 'h20'], [30, 'x30'], [40, 'x40']])
  const asked: number[] = []
  const hashAt = async (b: number): Promise<string | null> => { asked.push(b); return chain.get(b) ?? null }
  t.equal(await findCommonAncestor(w, hashAt), 20)
  t.same(asked, [40, 30, 20], 'walks back from the newest and stops at the first match')
  chain.delete(40)
  chain.delete(30)
  t.equal(await findCommonAncestor(w, hashAt), 20, 'a chain that got shorter has no hash there')
  chain.set(10, 'x10')
  chain.set(20, 'x20')
  t.equal(await findCommonAncestor(w, hashAt), undefined, 'deeper than the window')
})
