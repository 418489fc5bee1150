// The vendor page's reading of a feed order's subject (web/market-reads.js feedEpoch) agrees with the
// protocol's (feed/product.ts feedSubject and feedEpochOf), which the page cannot import (it needs ethers).
import tap from 'tap'
import { FeedError, feedEpochOf, feedSubject } from '#protocol/feed/index.ts'
import { feedEpoch } from '../../src/web/market-reads.js'

tap.test('every epoch the protocol names reads back the same; anything else is no epoch', async (t) => {
  for (const epoch of [0, 1, 41, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
    t.equal(feedEpoch(feedSubject(epoch)), epoch, String(epoch))
    t.equal(feedEpoch(feedSubject(epoch)), feedEpochOf(feedSubject(epoch)))
  }
  const hostile = [`0x${'f'.repeat(64)}`, `0x${(2n ** 53n).toString(16).padStart(64, '0')}`, '0x01', `0x${'g'.repeat(64)}`, `${'0'.repeat(66)}`, '', 7, null, undefined]
  for (const subject of hostile) {
    t.equal(feedEpoch(subject as string), undefined, String(subject))
    t.throws(() => feedEpochOf(subject as string), FeedError, `the protocol refuses ${String(subject)} too`)
  }
})
