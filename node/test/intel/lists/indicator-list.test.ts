import tap from 'tap'
import { diffEntries, entryKey, inferKind, parseIndicatorList } from '../../../src/intel/lists/indicator-list.ts'

const ADDR = '0x52908400098527886E0F7030069857D2E4169EE7' // EIP-55 test vector

tap.test('parseIndicatorList: prefixes, inferred kinds, comments, canonical forms', async (t) => {
  const list = parseIndicatorList([
    '# operator list', '', '  ',
    'Evil.Example.',
    'domain:xn--mtamask-7gg.io',
    'url:HTTPS://Evil.Example/login#frag',
    'http://bad.example/path  # trailing comment',
    'bad.example/no-scheme',
    '10.0.0.1', 'ip:[2001:DB8::1]',
    ADDR, `eip155:56:${ADDR.toLowerCase()}`,
    `script:0x${'AB'.repeat(32)}`, 'cd'.repeat(32),
    'javascript:alert(1)'
  ].join('\r\n'))
  t.same([...list.entries.get('domain') ?? []], ['evil.example', 'xn--mtamask-7gg.io'])
  t.same([...list.entries.get('url') ?? []], ['https://evil.example/login', 'http://bad.example/path', 'http://bad.example/no-scheme', 'javascript:alert(1)'])
  t.same([...list.entries.get('ip') ?? []], ['10.0.0.1', '2001:db8::1'])
  t.same([...list.entries.get('wallet') ?? []], [ADDR.toLowerCase(), `eip155:56:${ADDR.toLowerCase()}`], 'a bare address is kept chain-free')
  t.same([...list.entries.get('script') ?? []], ['ab'.repeat(32), 'cd'.repeat(32)])
  t.same([list.lines, list.bad], [12, 0])
})

tap.test('parseIndicatorList: the feed kind applies to unprefixed lines; a prefix wins', async (t) => {
  const list = parseIndicatorList('evil.example\nurl:http://x.example/\n', { kind: 'domain' })
  t.same([...list.entries.get('domain') ?? []], ['evil.example'])
  t.same([...list.entries.get('url') ?? []], ['http://x.example/'])
  t.equal(inferKind('1.2.3.4'), 'ip')
  t.equal(inferKind(`eip155:1:${ADDR}`), 'wallet')
})

tap.test('parseIndicatorList: bad and hostile lines are counted, not fatal', async (t) => {
  const bad = [
    'domain:-bad-.example', 'ip:999.1.1.1', `wallet:${ADDR.replace('E', 'e')}`, // fails its checksum
    'url:gopher://x.example/', 'script:abc', 'x'.repeat(100_000), 'domain:a\u0000b.example', 'domain:\ud800.example'
  ]
  const list = parseIndicatorList(['good.example', ...bad].join('\n'))
  t.equal(list.bad, bad.length)
  t.equal(list.lines, bad.length + 1)
  t.equal(list.badExamples.length, 5, 'at most five examples')
  t.ok(list.badExamples.every(e => e.length <= 80), 'examples are cut')
  t.same([...list.entries.get('domain') ?? []], ['good.example'])
  t.equal(parseIndicatorList('').lines, 0)
  const huge = parseIndicatorList('a.example\n'.repeat(50_000))
  t.equal(huge.entries.get('domain')?.size, 1, 'duplicates collapse')
  t.throws(() => entryKey('domain', 'not a domain'), { code: 'INDICATOR_MALFORMED' })
})

tap.test('diffEntries: counts and at most five examples each way', async (t) => {
  const before = parseIndicatorList('a.example\nb.example\nurl:http://x.example/\n').entries
  const after = parseIndicatorList(['b.example', ...Array.from({ length: 8 }, (_, i) => `n${i}.example`)].join('\n')).entries
  const diff = diffEntries(before, after)
  t.same([diff.added, diff.removed], [8, 2])
  t.equal(diff.addedExamples.length, 5)
  t.same(diff.removedExamples.toSorted(), ['domain:a.example', 'url:http://x.example/'])
  t.same(diffEntries(after, after), { added: 0, removed: 0, addedExamples: [], removedExamples: [] })
})
