// The buyer's reading of a delivered feed and the feed's order subject (SPEC section 18, feeds): hostile
// bytes refused by code, each line held to its one spelling, order and the ordered epoch.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { FEED_PRODUCT, feedEpochOf, feedSubject, parseFeed } from '../../src/feed/index.ts'
import { MAX_ANCHOR_JOBS } from '../../src/index.ts'

const vector = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'vectors', 'feed.json'), 'utf8')) as { epoch: number, feed: string }
const rows = vector.feed.slice(0, -1).split('\n')
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const feedOf = (lines: string[]): Uint8Array => bytes(lines.map((l) => `${l}\n`).join(''))
const edit = (row: string, f: (o: Record<string, any>) => void): string => { const o = JSON.parse(row) as Record<string, any>; f(o); return JSON.stringify(o) }
const malformed = { name: 'FeedError', code: 'MALFORMED_FEED' }

tap.test('the vector\'s feed parses to its lines', async t => {
  const lines = parseFeed(bytes(vector.feed), vector.epoch)
  t.equal(lines.length, rows.length)
  t.equal(lines[0]?.epoch, vector.epoch)
})

tap.test('bytes that are not the feed\'s lines are refused', async t => {
  const [a, b] = rows as [string, string]
  t.throws(() => parseFeed(Uint8Array.of(0xff, 0xfe, 0x0a), 1), malformed, 'not UTF-8')
  t.throws(() => parseFeed(bytes(a), 1), malformed, 'no final newline')
  t.throws(() => parseFeed(bytes(`${a}\r\n`), 1), malformed, 'CRLF')
  t.throws(() => parseFeed(bytes('\n'), 1), malformed, 'an empty line')
  t.throws(() => parseFeed(feedOf([a, '']), 1), malformed, 'a trailing empty line')
  t.throws(() => parseFeed(feedOf(['{"epoch":1']), 1), malformed, 'not JSON')
  t.throws(() => parseFeed(feedOf(['[]']), 1), malformed, 'an array')
  t.throws(() => parseFeed(feedOf(['null']), 1), malformed, 'null')
  t.throws(() => parseFeed(feedOf([JSON.stringify(JSON.parse(a), null, 1).replaceAll('\n', '')]), 1), malformed, 'whitespace')
  t.throws(() => parseFeed(feedOf([a.replace('"kind"', '"kind":"file","kind"')]), 1), malformed, 'a duplicate key')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { o.extra = 1 })]), 1), malformed, 'an extra key')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { delete o.leaf })]), 1), malformed, 'a missing key')
  t.throws(() => parseFeed(feedOf([a.replace('{"epoch":1,', '{"__proto__":{},"epoch":1,')]), 1), malformed, 'a __proto__ key')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { const { epoch, ...rest } = o; for (const k of Object.keys(o)) delete o[k]; Object.assign(o, rest, { epoch }) })]), 1), malformed, 'keys out of order')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { o.stats = { suspicious: o.stats.suspicious, ...o.stats } })]), 1), malformed, 'stats keys out of order')
  t.throws(() => parseFeed(feedOf([a.replace(/"size":([0-9]+)/, '"size":$1.0')]), 1), malformed, 'a number spelled otherwise')
  t.throws(() => parseFeed(feedOf([a.replace(/"jobId":"0x[0-9a-f]/, (m) => m.toUpperCase())]), 1), malformed, 'uppercase hex')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { o.verdict = 'harmless' })]), 1), malformed, 'an unknown verdict')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { o.stats.malicious = 0; o.stats.suspicious = 0 })]), 1), malformed, 'a line nothing flags')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { o.labels = ['b', 'a'] })]), 1), malformed, 'labels out of order')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { o.engines = [...o.engines, ...o.engines] })]), 1), malformed, 'an engine twice')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { o.engines[0].result = 'é' })]), 1), malformed, 'a label off printable ASCII')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { o.size = -1 })]), 1), malformed, 'a negative size')
  t.throws(() => parseFeed(feedOf([edit(a, (o) => { o.kind = 'url' })]), 1), malformed, 'an indicator without a subject')
  t.throws(() => parseFeed(feedOf([b, a]), 1), malformed, 'lines out of order')
  t.throws(() => parseFeed(feedOf([a, a]), 1), malformed, 'an item twice')
  t.throws(() => parseFeed(feedOf(Array.from({ length: MAX_ANCHOR_JOBS + 1 }, () => a)), 1), malformed, 'more lines than an epoch anchors')
  t.throws(() => parseFeed(bytes(vector.feed), vector.epoch + 1), { name: 'FeedError', code: 'WRONG_EPOCH' }, 'another epoch\'s feed')
})

tap.test('the product id and the order subject of an epoch', async t => {
  t.equal(FEED_PRODUCT, `0x${Buffer.from('feed').toString('hex')}${'00'.repeat(28)}`)
  t.equal(feedSubject(0), `0x${'00'.repeat(32)}`)
  t.equal(feedSubject(258), `0x${'00'.repeat(30)}0102`)
  for (const e of [0, 1, 258, Number.MAX_SAFE_INTEGER]) t.equal(feedEpochOf(feedSubject(e)), e)
  t.equal(feedEpochOf(`0x${'00'.repeat(30)}01FF`), 511, 'any hex case')
  for (const s of ['', '0x01', `0x${'00'.repeat(33)}`, `${'00'.repeat(32)}`, `0x${'zz'.repeat(32)}`, `0x${'ff'.repeat(32)}`, `0x${'00'.repeat(24)}0020000000000000`, 7 as unknown as string]) {
    t.throws(() => feedEpochOf(s), { name: 'FeedError', code: 'BAD_SUBJECT' }, `subject ${String(s)}`)
  }
  for (const e of [-1, 0.5, Number.NaN]) t.throws(() => feedSubject(e), { code: 'BAD_SUBJECT' })
})
