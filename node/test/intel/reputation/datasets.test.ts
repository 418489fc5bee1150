import tap from 'tap'
import { parseSource } from '../../../src/intel/reputation/datasets.ts'
import { labelHosts } from '../../../scripts/reputation/labelled-hosts.ts'

tap.test('list parsers: whole-host rules only, normalised, deduplicated', async t => {
  const adblock = [
    '! comment', '||ads.example.com^', '||Tracker.Example.NET^$third-party', '||bad.example^$doc',
    '||github.com/evil/releases/x.zip^$all', '@@||good.example.com^', 'example.com##.banner', '||x.example^$script',
    '||ads.example.com^', '||www.foo.example^$all', `||${'a'.repeat(100)}.com^`
  ].join('\n')
  t.same(parseSource('adblock', adblock), ['ads.example.com', 'bad.example', 'foo.example', 'tracker.example.net'])
  t.same(parseSource('hosts-lines', '! x\n# y\n0.0.0.0 evil.example\n1.2.3.4\nplain.example\n\n'), ['evil.example', 'plain.example'], 'IPs are not domains')
  t.same(parseSource('top-sites-tsv', '# rank\tdomain\n1\twww.google.com\n2\tyoutube.com\nx\ty.com\n'), ['google.com', 'youtube.com'])
  const eth = JSON.stringify({ blacklist: ['Evil.example', 42, 'evil.example'], whitelist: ['good.example'] })
  t.same(parseSource('eth-phishing-detect-blacklist', eth), ['evil.example'])
  t.same(parseSource('eth-phishing-detect-whitelist', eth), ['good.example'])
  t.throws(() => parseSource('eth-phishing-detect-blacklist', '{}'), TypeError)
  t.throws(() => parseSource('eth-phishing-detect-blacklist', 'not json'))
})

tap.test('labelHosts: a host two sources disagree on is dropped', async t => {
  const set = labelHosts([
    { name: 'top', label: 'benign', format: 'hosts-lines', text: 'a.example\nboth.example\n' },
    { name: 'bad', label: 'phishing', format: 'hosts-lines', text: 'b.example\nboth.example\na.example\n' },
    { name: 'bad2', label: 'benign', format: 'hosts-lines', text: 'a.example\n' }
  ])
  t.same(set.hosts.map(h => `${h.host}:${h.label}:${h.source}`), ['b.example:phishing:bad'])
  t.equal(set.conflicts, 2)
  t.same(set.perSource, { top: 2, bad: 3, bad2: 1 })
})
