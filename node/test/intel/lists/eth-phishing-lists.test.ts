import tap from 'tap'
import { createRequire } from 'node:module'
import { checkEthPhishing, hostSuffixes, loadEthPhishingLists, parseEthPhishingConfig } from '../../../src/intel/lists/eth-phishing-lists.ts'

const require = createRequire(import.meta.url)
/** the package's own detector over its own data: what our Set lookups must agree with */
const PhishingDetector = require('eth-phishing-detect/src/detector') as new (config: unknown) => { check: (domain: string) => { result: boolean, type: string } }
const config = require('eth-phishing-detect/src/config.json') as { blacklist: string[], whitelist: string[], fuzzylist: string[] }

tap.test('hostSuffixes walks up to the registered domain', async (t) => {
  t.same(hostSuffixes('a.b.example.co.uk'), ['a.b.example.co.uk', 'b.example.co.uk', 'example.co.uk'])
  t.same(hostSuffixes('example.com'), ['example.com'])
  t.same(hostSuffixes('x.github.io'), ['x.github.io', 'github.io'], 'ICANN section, as the lists assume')
  t.same(hostSuffixes('co.uk'), ['co.uk'])
  t.same(hostSuffixes('localhost'), ['localhost'])
})

tap.test('agrees with eth-phishing-detect\'s own detector on its data', async (t) => {
  const lists = await loadEthPhishingLists()
  const detector = new PhishingDetector(config)
  t.equal(lists.version, '1.2.0')
  t.ok(lists.block.size > 10_000 && lists.allow.size > 1000, `${lists.block.size} blocked, ${lists.allow.size} allowed`)
  const hosts = [
    ...config.blacklist.filter((_, i) => i % 7 === 0),
    ...config.blacklist.filter((_, i) => i % 97 === 0).map(d => `login.${d}`),
    ...config.whitelist.filter((_, i) => i % 3 === 0),
    ...config.whitelist.filter((_, i) => i % 31 === 0).map(d => `app.${d}`),
    ...config.fuzzylist.flatMap(d => [d, d.replace(/[a-z](?=[a-z]*\.)/, 'x'), `www.${d}`, d.replace(/\.[a-z]+$/, '.xyz')]),
    'google.com', 'example.org', 'sites.google.com', 'metamask.io', 'metarnask.io', 'myetherwallet.com'
  ]
  let disagree = 0
  for (const host of hosts) {
    const ours = checkEthPhishing(lists, host).type
    const theirs = detector.check(host)
    const same = theirs.result ? ours === 'blocklist' || ours === 'fuzzy' : ours === 'allowlist' || ours === 'none'
    if (!same) {
      disagree++
      if (disagree < 5) t.fail(`${host}: ours ${ours}, theirs ${theirs.type} ${String(theirs.result)}`)
    }
  }
  t.equal(disagree, 0, `${hosts.length} hosts, same verdicts`)
})

tap.test('parseEthPhishingConfig tolerates odd configs', async (t) => {
  const lists = parseEthPhishingConfig(JSON.stringify({ blacklist: ['Evil.Example.', 7, null, '1.2.3.4'], whitelist: 'nope', tolerance: -1 }))
  t.same([...lists.block], ['evil.example'])
  t.same([...lists.blockIps], ['1.2.3.4'])
  t.equal(lists.allow.size, 0)
  t.equal(lists.tolerance, 3, 'an invalid tolerance falls back to its default')
  t.same(checkEthPhishing(lists, '1.2.3.4'), { type: 'blocklist', match: '1.2.3.4' })
  t.throws(() => parseEthPhishingConfig('{'))
})
