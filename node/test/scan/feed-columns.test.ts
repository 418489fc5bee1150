import tap from 'tap'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ensureDevnetFeeds } from '../../src/devnet/feeds.ts'
import { createHashListEngine } from '../../src/scan/hash-list-engine.ts'
import { feedColumns, MAX_ROW_CHARS, splitCsvRow } from '../../src/scan/feed-columns.ts'
import { parseFeed } from '../../src/scan/hash-list.ts'
import { tlsh } from '../../src/scan/tlsh.ts'
import { input, mutants, realFile, silentLogger } from './tlsh-helpers.ts'

const digest = (alg: string, b: Uint8Array): string => createHash(alg).update(b).digest('hex')
const elf = realFile('elf').bytes
const rule = realFile('rule').bytes
const other = realFile('other-rule').bytes

/** MalwareBazaar's CSV export as it is served: a "#" banner, the header inside a comment, `", "` between fields */
const HEADER = '# "first_seen_utc","sha256_hash","md5_hash","sha1_hash","reporter","file_name","file_type_guess","mime_type","signature","clamav","vtpercent","imphash","ssdeep","tlsh"'
const row = (bytes: Uint8Array, signature: string, tlshField = tlsh(bytes)): string => [
  '2026-10-05 00:42:15', digest('sha256', bytes), digest('md5', bytes), digest('sha1', bytes), 'abuse_ch', 'invoice, final.exe', 'exe',
  'application/x-dosexec', signature, 'n/a', 'n/a', 'n/a', '384:xyz', tlshField
].map((f) => `"${f}"`).join(', ')
const bazaar = (...rows: string[]): string => [
  '################################################################',
  '# MalwareBazaar recent malware samples (CSV)                   #',
  '################################################################',
  '#',
  HEADER,
  ...rows
].join('\r\n')

tap.test('splitCsvRow: quoted fields, "" escapes, spaces after commas; not-CSV lines are undefined', async t => {
  t.same(splitCsvRow('"a", "b, c" ,"d ""e"""'), ['a', 'b, c', 'd "e"'])
  t.same(splitCsvRow('a, b,,c'), ['a', 'b', '', 'c'])
  t.same(splitCsvRow('"a",'), ['a', ''])
  t.same(splitCsvRow(''), [''])
  t.same(splitCsvRow('"a"""'), ['a"'])
  for (const hostile of ['"open', '"a" b, "c"', 'a"b, c', '"a""', `"${'x'.repeat(MAX_ROW_CHARS)}"`]) {
    t.equal(splitCsvRow(hostile), undefined, JSON.stringify(hostile.slice(0, 20)))
  }
})

tap.test('feedColumns: MalwareBazaar\'s header; a comment without a hash column is no header', async t => {
  t.same(feedColumns(HEADER.slice(1)), {
    hashes: [{ index: 1, length: 64 }, { index: 3, length: 40 }, { index: 2, length: 32 }], tlsh: 13, label: 8
  })
  t.same(feedColumns('SHA256, Label'), { hashes: [{ index: 0, length: 64 }], tlsh: undefined, label: 1 })
  for (const comment of [' devnet known-bad hashes: one md5, sha1 or sha256 per line', ' sha256', ' "url","tlsh"', ' "open, sha256', '']) {
    t.equal(feedColumns(comment), undefined, JSON.stringify(comment))
  }
})

tap.test('parseFeed: a MalwareBazaar export gives each row\'s sha256 and TLSH, labelled by its signature', async t => {
  const feed = parseFeed(bazaar(
    row(elf, 'Mirai'),
    row(rule, 'n/a'), // no signature: the feed's own label
    row(other, 'Agent Tesla', 'n/a'), // no TLSH (a file too short or too uniform for one)
    row(Buffer.from('x'), '__proto__', 'T1NOTHEX') // a TLSH that is not one: the exact hash still counts
  ), 'HashList.bazaar')
  t.same([...feed.entries], [
    [digest('sha256', elf), 'Mirai'],
    [digest('sha256', rule), 'HashList.bazaar'],
    [digest('sha256', other), 'Agent_Tesla'],
    [digest('sha256', Buffer.from('x')), '__proto__']
  ], 'one exact entry a row: the sha256 (md5 and sha1 add nothing the scanner lacks)')
  t.same([...feed.tlsh], [[tlsh(elf).toLowerCase(), 'Mirai'], [tlsh(rule).toLowerCase(), 'HashList.bazaar']])
  t.same([feed.lines, feed.skipped], [4, 0])
})

tap.test('parseFeed: hostile and broken rows are counted and skipped, never fatal; weaker hashes stand in', async t => {
  const cols = '"sha256_hash","md5_hash","signature","tlsh"'
  const feed = parseFeed([
    cols, // a header row outside a comment
    `"${'g'.repeat(64)}", "${digest('md5', rule)}", "Weak.Md5", "n/a"`, // sha256 not hex: the md5 stands in
    `"${digest('sha256', elf)}`, // a quote left open
    `"${digest('sha256', elf)}" trailing, "x"`,
    `"n/a", "n/a", "Nothing", "n/a"`,
    `"${digest('sha256', elf)}", "", "${'L'.repeat(500)}", ""`, // the label is cut to 96
    `${'"a",'.repeat(MAX_ROW_CHARS)}`, // oversize
    '\u0000\u0001\u{1F600}',
    `${digest('sha256', other)} Plain.Line` // a plain line still parses under a header
  ].join('\n'), 'HashList.mixed')
  t.same([...feed.entries], [[digest('md5', rule), 'Weak.Md5'], [digest('sha256', elf), 'L'.repeat(96)], [digest('sha256', other), 'Plain.Line']])
  t.equal(feed.tlsh.size, 0)
  t.same([feed.lines, feed.skipped], [8, 5])
})

tap.test('the devnet\'s feed header reads as comments, not columns', async t => {
  const dir = t.testdir()
  const { hashFeed } = await ensureDevnetFeeds(dir)
  const feed = parseFeed(`${await readFile(hashFeed, 'utf8')}${digest('sha256', elf)} Listed.Elf\n`, 'HashList.hashes')
  t.same([...feed.entries], [[digest('sha256', elf), 'Listed.Elf']])
  t.same([feed.lines, feed.skipped], [1, 0])
})

tap.test('parseFeed: a plain list is read as before, whatever its comments say', async t => {
  const feed = parseFeed([
    '# md5,sha1,sha256 accepted', // looks like a header; its rows are plain lines
    `${digest('sha256', elf)} Listed.Elf`,
    `${digest('md5', rule)}:1234:Listed.Hdb:73`
  ].join('\n'), 'HashList.plain')
  t.same([...feed.entries], [[digest('sha256', elf), 'Listed.Elf'], [digest('md5', rule), 'Listed.Hdb']])
  t.same([feed.lines, feed.skipped], [2, 0])
})

tap.test('hash list on a MalwareBazaar export: a byte-appended variant of a listed sample is flagged by TLSH', async t => {
  const dir = t.testdir({ 'bazaar.csv': bazaar(row(elf, 'Mirai'), row(other, 'LimeRAT', 'n/a')) })
  const engine = createHashListEngine({ feeds: [`${dir}/bazaar.csv`], timeoutMs: 30_000, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  for (const [how, bytes] of [['the listed sample', Buffer.from(elf)] as const, ...mutants(elf)]) {
    const { category, result } = await engine.scan(input(bytes))
    t.same([category, result], ['malicious', 'Mirai'], how)
  }
  t.same(await engine.scan(input(other)).then((r) => [r.category, r.result]), ['malicious', 'LimeRAT'], 'exact match without a TLSH')
  const variant = mutants(other)[0]?.[1] as Buffer
  t.equal((await engine.scan(input(variant))).category, 'undetected', 'a row without a TLSH flags no variant')
})
