import tap from 'tap'
import { LogCache, matchesFilter } from '../../src/chain/log-cache.ts'
import type { RawLog } from '../../src/chain/log-cache.ts'

const A = `0x${'aa'.repeat(20)}`
const B = `0x${'bb'.repeat(20)}`
const T1 = `0x${'01'.repeat(32)}`
const T2 = `0x${'02'.repeat(32)}`
const H1 = `0x${'11'.repeat(32)}`
const H2 = `0x${'22'.repeat(32)}`
const log = (address: string, topics: string[], blockHash = H1): RawLog => ({ address, topics, data: '0x', blockHash, blockNumber: '0x1' })

tap.test('a log passes a filter by address (one or a list, any case) and by topic position (null: any; a list: any of it)', async (t) => {
  const l = log(A, [T1, T2])
  t.ok(matchesFilter(l, {}))
  t.ok(matchesFilter(l, { address: A.toUpperCase().replace('0X', '0x') }))
  t.notOk(matchesFilter(l, { address: [B] }))
  t.ok(matchesFilter(l, { address: [B, A], topics: [T1] }))
  t.ok(matchesFilter(l, { topics: [null, T2] }))
  t.ok(matchesFilter(l, { topics: [[T2, T1]] }))
  t.notOk(matchesFilter(l, { topics: [T2] }))
  t.notOk(matchesFilter(l, { topics: [T1, T2, T1] }), 'a topic the log does not have')
})

tap.test('a whole block\'s logs are kept by hash and answer filters over the addresses read', async (t) => {
  const cache = new LogCache(2)
  cache.keep({ blockHash: H1, address: [A, B] }, [log(A, [T1]), log(B, [T2])])
  t.same(cache.of(H1, { address: A })?.map((l) => l.address), [A])
  t.same(cache.of(H1.toUpperCase().replace('0X', '0x'), { address: [A, B], topics: [T2] })?.map((l) => l.address), [B])
  t.equal(cache.of(H1, { address: [A, `0x${'cc'.repeat(20)}`] }), undefined, 'an address not read')
  t.equal(cache.of(H1, {}), undefined, 'every address: not known')
  t.equal(cache.of(H2, { address: A }), undefined, 'another block')
  cache.keep({ blockHash: H2, address: [A] }, [])
  t.same(cache.of(H2, { address: A }), [], 'a block without logs is kept too')
  cache.keep({ blockHash: `0x${'33'.repeat(32)}`, address: [A] }, [])
  t.equal(cache.size, 2, 'bounded: the oldest goes')
  t.equal(cache.of(H1, { address: A }), undefined)
})

tap.test('an answer that is not a whole block\'s logs of its addresses is not kept', async (t) => {
  const cache = new LogCache()
  cache.keep({ blockHash: H1, address: [A], topics: [T1] }, [log(A, [T1])])
  cache.keep({ blockHash: H1 }, [log(A, [T1])])
  cache.keep({ address: [A], fromBlock: '0x1', toBlock: '0x1' }, [log(A, [T1])])
  cache.keep({ blockHash: H1, address: [A] }, [log(A, [T1], H2)])
  cache.keep({ blockHash: H1, address: [A] }, { not: 'a list' })
  t.equal(cache.size, 0)
  cache.keep({ blockHash: H1, address: [A], topics: [null] }, [log(A, [T1])])
  t.equal(cache.size, 1, 'a null topic filters nothing')
  t.throws(() => new LogCache(0), RangeError)
})
