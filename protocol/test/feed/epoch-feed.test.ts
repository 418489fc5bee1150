// The epoch feed (SPEC section 18, feeds): its vector byte for byte, the same bytes from any order of the
// same reports, one line per flagged item (its first report), and hostile reports refused by code.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { epochFeed, epochFeedLines, feedDigest, parseFeed } from '../../src/feed/index.ts'
import { MAX_ANCHOR_JOBS, anchorLeafHash, leafOf } from '../../src/index.ts'
import type { Report } from '../../src/index.ts'

const vector = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'vectors', 'feed.json'), 'utf8')) as { epoch: number, reports: Report[], feed: string, sha256: string }
const reports = vector.reports
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
const clone = <T>(v: T): T => structuredClone(v)

tap.test('the vector: the epoch\'s reports give its feed byte for byte, and its sha256', async t => {
  const feed = epochFeed(reports, vector.epoch)
  t.equal(text(feed), vector.feed)
  t.equal(feedDigest(feed), vector.sha256)
  t.equal(feedDigest(feed), `0x${bytesToHex(sha256(new TextEncoder().encode(vector.feed)))}`)
})

tap.test('one line per flagged item, of its first report, sorted by sha256 then kind', async t => {
  const [file, url, benign, suspicious, rescan] = reports as [Report, Report, Report, Report, Report]
  const lines = epochFeedLines(reports, vector.epoch)
  t.equal(lines.length, 3, 'the benign report and the file\'s rescan make no line')
  t.same(lines.map((l) => l.jobId).toSorted(), [file.jobId, url.jobId, suspicious.jobId].toSorted())
  t.notOk(lines.some((l) => l.jobId === benign.jobId || l.jobId === rescan.jobId))
  t.same(lines.map((l) => l.sha256), lines.map((l) => l.sha256).toSorted(), 'by sha256')
  const byJob = new Map(lines.map((l) => [l.jobId, l]))
  t.equal(byJob.get(suspicious.jobId)?.verdict, 'suspicious')
  t.equal(byJob.get(file.jobId)?.verdict, 'malicious')
  t.match(byJob.get(url.jobId), { kind: 'url', subject: 'http://example.com/login', fileType: 'url' })
  t.same(byJob.get(file.jobId)?.engines.map((e) => e.engine), Object.keys(file.results).filter((k) => file.results[k]?.attested).toSorted(), 'the attested engines')
  t.equal(byJob.get(file.jobId)?.leaf, anchorLeafHash(leafOf(file)), 'the report\'s anchor leaf')
  t.equal(byJob.get(file.jobId)?.reportDigest, leafOf(file)[1])
  t.ok(lines.every((l) => l.epoch === vector.epoch))
})

tap.test('any order of the same reports gives the same bytes', async t => {
  const want = vector.feed
  t.equal(text(epochFeed(reports.toReversed(), vector.epoch)), want)
  t.equal(text(epochFeed([reports[2]!, reports[4]!, reports[0]!, reports[3]!, reports[1]!], vector.epoch)), want)
})

tap.test('the first report of an item is the one with the earliest firstSeen, then the smaller jobId', async t => {
  const [file, , , , rescan] = reports as [Report, Report, Report, Report, Report]
  const earlier = clone(rescan)
  // the rescan, as though scanned a second before the file's first report
  const shift = Math.min(...rescan.verdicts.map((v) => v.verdict.scannedAt)) - Math.min(...file.verdicts.map((v) => v.verdict.scannedAt)) + 1000
  for (const v of earlier.verdicts) v.verdict.scannedAt -= shift
  const first = epochFeedLines([file, earlier], 1)
  t.equal(first.length, 1)
  t.equal(first[0]?.jobId, earlier.jobId, 'the earlier scan is the item\'s first report')
  t.equal(epochFeedLines([file, rescan], 1)[0]?.jobId, file.jobId, 'and the later one is not')
  const tie = clone(file)
  tie.jobId = `0x${'00'.repeat(32)}`
  t.equal(epochFeedLines([file, tie], 1)[0]?.jobId, tie.jobId, 'a tie goes to the smaller jobId')
})

tap.test('an epoch with nothing flagged is the empty feed', async t => {
  t.equal(epochFeed([], 3).byteLength, 0)
  t.equal(epochFeed([reports[2]!], 3).byteLength, 0)
  t.equal(feedDigest(new Uint8Array(0)), '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
})

function bad (mutate: (r: Record<string, any>) => void): Report { const r = clone(reports[0]!) as unknown as Record<string, any>; mutate(r); return r as unknown as Report }

tap.test('hostile reports are refused by code; nothing is signed over them', async t => {
  const malformed = { name: 'FeedError', code: 'MALFORMED_REPORT' }
  t.throws(() => epochFeed('nope' as unknown as Report[], 1), malformed, 'not a list')
  t.throws(() => epochFeed([null as unknown as Report], 1), malformed, 'null')
  t.throws(() => epochFeed([bad((r) => { delete r.job })], 1), malformed, 'no job')
  t.throws(() => epochFeed([bad((r) => { r.stats.malicious = '1' })], 1), malformed, 'a count as a string')
  t.throws(() => epochFeed([bad((r) => { r.stats.undetected = -1 })], 1), malformed, 'a negative count')
  t.throws(() => epochFeed([bad((r) => { r.results.YARA.result = 'Evil"}\n{"epoch":9' })], 1), malformed, 'a label that would break the line')
  t.throws(() => epochFeed([bad((r) => { r.results.YARA.result = 'Évil' })], 1), malformed, 'a label off printable ASCII')
  t.throws(() => epochFeed([bad((r) => { r.results.YARA.result = { toString: () => 'x' } })], 1), malformed, 'a label that is no string')
  t.throws(() => epochFeed([bad((r) => { r.results = JSON.parse('{"__proto__":{"attested":true,"category":"malicious","result":"","engineVersion":"","engineUpdate":"","method":""}}') })], 1), malformed, 'an engine called __proto__')
  t.throws(() => epochFeed([bad((r) => { r.results.YARA.category = 'evil' })], 1), malformed, 'an unknown category')
  t.throws(() => epochFeed([bad((r) => { r.job.job.kind = 'exe' })], 1), malformed, 'an unknown kind')
  t.throws(() => epochFeed([bad((r) => { r.job.job.subject = 'http://x/' })], 1), malformed, 'a file with a subject')
  t.throws(() => epochFeed([bad((r) => { r.job.job.sha256 = '0xABC' })], 1), malformed, 'a short sha256')
  t.throws(() => epochFeed([bad((r) => { r.verdicts = 'x' })], 1), malformed, 'verdicts no list')
  t.throws(() => epochFeed([reports[0]!, reports[0]!], 1), { code: 'DUPLICATE_JOB' }, 'one job twice')
  t.throws(() => epochFeed(Array.from({ length: MAX_ANCHOR_JOBS + 1 }, () => reports[2]!), 1), { code: 'TOO_MANY_REPORTS' })
  for (const epoch of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) t.throws(() => epochFeed(reports, epoch), { code: 'BAD_SUBJECT' }, `epoch ${epoch}`)
})

tap.test('what the builder emits, the buyer\'s parser reads back', async t => {
  const lines = parseFeed(new TextEncoder().encode(vector.feed), vector.epoch)
  t.same(lines, epochFeedLines(reports, vector.epoch))
  t.same(parseFeed(new Uint8Array(0), 4), [])
})
