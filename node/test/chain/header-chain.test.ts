import tap from 'tap'
import { checkHeader } from '../../src/chain/block-header.ts'
import { HeaderChain } from '../../src/chain/header-chain.ts'
import type { RawHeader } from '../../src/chain/block-header.ts'

const hash = (block: number, branch = 'a'): string => `0x${branch.repeat(2)}${block.toString(16).padStart(62, '0')}`
/** block `n` of `branch`, whose parent is block n - 1 of `parentBranch` */
const header = (n: number, branch = 'a', parentBranch = branch): RawHeader => ({ number: `0x${n.toString(16)}`, hash: hash(n, branch), parentHash: hash(n - 1, parentBranch), timestamp: `0x${(1000 + n).toString(16)}` })

/** blocks from..to of branch a, each read at `now` */
function chain (from: number, to: number, now = 0): HeaderChain {
  const c = new HeaderChain()
  for (let n = from; n <= to; n++) c.observe(header(n), now)
  return c
}

tap.test('a block is answered from the run only while a read of a block above it is fresh', async (t) => {
  const c = chain(10, 14, 1000)
  t.equal(c.size, 5)
  t.same(c.at(12, 1400, 500), header(12), 'block 14 read 400 ms ago vouches for 12')
  t.equal(c.at(14, 1400, 500), undefined, 'the newest block is always read afresh')
  t.equal(c.at(12, 1501, 500), undefined, 'too old a read vouches for nothing')
  t.equal(c.at(9, 1400, 500), undefined, 'below the run')
  t.equal(c.at(15, 1400, 500), undefined, 'above the run')
  c.observe(header(13), 2000)
  t.same(c.at(12, 2400, 500), header(12), 'a fresh read of 13 vouches for 12 again')
  t.equal(c.at(13, 2400, 500), undefined, 'but not for 13 itself: 14\'s read is old')
})

tap.test('a reorg replaces a kept header: the block read on the new branch and every block above it go', async (t) => {
  const c = chain(10, 14, 1000)
  // block 12 is now on branch b (its parent 11 is still a's)
  c.observe(header(12, 'b', 'a'), 1100)
  t.equal(c.size, 3, 'blocks 10, 11 and the new 12')
  t.equal(c.at(11, 1200, 500)?.hash, hash(11), '11 is vouched for by the new 12')
  t.equal(c.at(13, 1200, 500), undefined, 'the old 13 is gone')
  c.observe(header(13, 'b'), 1150)
  t.equal(c.at(12, 1200, 500)?.hash, hash(12, 'b'), 'the run grows on the new branch')

  // a new block whose parent is not the kept one: the reorg reaches below the run's top, so nothing kept is trusted
  c.observe(header(14, 'c', 'x'), 1300)
  t.equal(c.size, 1, 'only the block just read is kept')
  t.equal(c.at(12, 1300, 500), undefined)
  t.equal(c.at(13, 1300, 500), undefined)
})

tap.test('reads below the run: its parent extends it, another branch\'s block drops it, a distant block leaves it', async (t) => {
  const c = chain(10, 12, 1000)
  c.observe(header(9), 1100)
  t.equal(c.size, 4, 'the parent of the lowest block joins the run')
  t.equal(c.at(9, 1600, 500), undefined, 'vouched for only by reads above it, which are old by now')
  c.observe(header(12), 1200)
  t.equal(c.at(9, 1300, 500)?.hash, hash(9))
  c.observe(header(3), 1300)
  t.equal(c.size, 4, 'a block far below says nothing about the run')
  c.observe(header(8, 'b'), 1400)
  t.equal(c.size, 1, 'the block below the run on another branch: the run was another branch')
  t.equal(c.at(10, 1400, 500), undefined)
})

tap.test('a jump ahead starts a new run; the run is bounded', async (t) => {
  const c = chain(10, 12, 1000)
  c.observe(header(20), 1100)
  t.equal(c.size, 1)
  const small = new HeaderChain(3)
  for (let n = 1; n <= 6; n++) small.observe(header(n), n)
  t.equal(small.size, 3)
  t.equal(small.at(3, 6, 10), undefined, 'the oldest blocks are dropped')
  t.equal(small.at(4, 6, 10)?.hash, hash(4))
  t.throws(() => new HeaderChain(0), RangeError)
})

tap.test('checkHeader refuses another block\'s header and malformed ones', async (t) => {
  t.equal(checkHeader(null, 5), null, 'no such block')
  t.same(checkHeader(header(5), 5), header(5))
  t.throws(() => checkHeader(header(6), 5), { code: 'WRONG_BLOCK' })
  const bad: Array<[string, unknown]> = [
    ['undefined', undefined], ['a string', '0x5'], ['no hash', { ...header(5), hash: undefined }], ['upper-case hash', { ...header(5), hash: hash(5).toUpperCase().replace('0X', '0x') }],
    ['short parent hash', { ...header(5), parentHash: '0x12' }], ['number not hex', { ...header(5), number: 5 }], ['number with leading zero', { ...header(5), number: '0x05' }], ['number of junk', { ...header(5), number: '0xzz' }]
  ]
  for (const [what, answer] of bad) t.throws(() => checkHeader(answer, 5), { code: 'MALFORMED_HEADER' }, what)
})
