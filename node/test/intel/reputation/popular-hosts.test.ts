import tap from 'tap'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parse } from 'tldts'
import { MAX_HOSTS_PER_DOMAIN, parseDomainMap, splitPopularHosts } from '../../../src/intel/reputation/popular-hosts.ts'
import { createReputationEngine } from '../../../src/intel/reputation/reputation-engine.ts'
import { createLookalikeEngine } from '../../../src/intel/lookalike-engine.ts'
import { createUrlHeuristicsEngine } from '../../../src/intel/url-heuristics-engine.ts'
import { createListsEngine } from '../../../src/intel/lists/lists-engine.ts'
import { createAddressesEngine } from '../../../src/intel/addresses-engine.ts'
import type { Engine } from '../../../src/scan/engine.ts'
import { subjectInput } from '../intel-helpers.ts'

const require = createRequire(import.meta.url)
const domainOf = (h: string): string => parse(h, { allowPrivateDomains: true }).domain ?? h

tap.test('the domain map parser keeps benign categories and drops what is not a host', async t => {
  const text = [
    'fonts.googleapis.com,fonts.googleapis.com,cdn',
    'WWW.Example.COM,*.example.com,hosting',
    'ads.example.net,*.example.net,ad',
    'stats.example.org,*.example.org,analytics',
    'junk.example.biz,junk.example.biz,unknown',
    '23.62.3.183,23.62.3.183,cdn',
    'a b.example.com,x,cdn',
    'evil.example/path,x,cdn',
    '<script>alert(1)</script>,x,cdn',
    ',,cdn',
    'only-one-field',
    'bücher.example,x,content\r',
    `${'a'.repeat(2000)}.example.com,x,cdn`,
    `${'b'.repeat(64)}.example.com,x,cdn`,
    'fonts.googleapis.com,dup,cdn'
  ].join('\n')
  t.same(parseDomainMap(text), ['example.com', 'fonts.googleapis.com', 'xn--bcher-kva.example'],
    'www. stripped, lowercased, punycoded, deduplicated; ad, analytics and unknown out; IPs, URLs, markup, oversize labels and lines skipped')
  t.same(parseDomainMap(''), [])
  t.same(parseDomainMap('\u0000\u0001,\u0002,cdn\n'.repeat(1000)), [], 'binary garbage yields nothing')
})

tap.test('the split keeps a registered domain on one side, caps it, and ignores order', async t => {
  const hosts = [
    ...Array.from({ length: MAX_HOSTS_PER_DOMAIN + 50 }, (_, i) => `h${i}.big.example.com`),
    ...Array.from({ length: 400 }, (_, i) => `www${i}.site${i}.example`),
    ...Array.from({ length: MAX_HOSTS_PER_DOMAIN + 50 }, (_, i) => `c${i}.netlify.app`)
  ]
  const s = splitPopularHosts(hosts)
  const tuneDomains = new Set(s.tune.map(domainOf))
  t.notOk(s.heldOut.some(h => tuneDomains.has(domainOf(h))), 'no registered domain on both sides')
  t.equal([...s.tune, ...s.heldOut].filter(h => h.endsWith('.big.example.com')).length, MAX_HOSTS_PER_DOMAIN, 'one domain weighs at most the cap')
  t.equal([...s.tune, ...s.heldOut].filter(h => h.endsWith('.netlify.app')).length, MAX_HOSTS_PER_DOMAIN + 50,
    'private suffixes: each customer is its own domain, not capped with the others')
  t.ok(s.domains.tune > 200 && s.domains.heldOut > 200, `about half each (${s.domains.tune}/${s.domains.heldOut})`)
  t.same(splitPopularHosts(hosts.toReversed()), s, 'the same split whatever the order')
  t.same(splitPopularHosts([]), { tune: [], heldOut: [], domains: { tune: 0, heldOut: 0 } })
  const salted = splitPopularHosts(s.tune, { salt: 'thresholds' })
  t.same([...salted.tune, ...salted.heldOut].toSorted(), s.tune, 'a salted split of one half keeps every host of it')
  t.notSame(salted.tune, s.tune, 'and draws its own sides')
  const saltedTune = new Set(salted.tune.map(domainOf))
  t.notOk(salted.heldOut.some(h => saltedTune.has(domainOf(h))), 'still no registered domain on both sides')
})

const flagged = async (engine: Engine, kind: 'domain' | 'url', hosts: readonly string[]): Promise<string[]> => {
  const out: string[] = []
  for (const h of hosts) {
    const r = await engine.scan(subjectInput(kind, kind === 'url' ? `http://${h}/` : h))
    if (r.category === 'malicious' || r.category === 'suspicious') out.push(`${h} (${r.result})`)
  }
  return out
}

tap.test('every indicator engine flags at most 0.1% of the held-out popular hosts', async t => {
  const popular = splitPopularHosts(parseDomainMap(readFileSync(require.resolve('third-party-web/dist/domain-map.csv'), 'utf8')))
  t.ok(popular.tune.length + popular.heldOut.length >= 10_000, 'the benign list holds at least 10,000 hosts')
  t.ok(popular.heldOut.length >= 5000, `held out: ${popular.heldOut.length} hosts`)
  const eth = JSON.parse(readFileSync(require.resolve('eth-phishing-detect/src/config.json'), 'utf8')) as { blacklist: string[] }
  // every 10th blacklisted domain: recall beside the false positives, so an engine that flags
  // nothing cannot pass; the floors sit under the figures bench/intel-accuracy.ts prints
  const phishing = eth.blacklist.filter((d, i) => i % 10 === 0 && /^[a-z0-9.-]+$/.test(d) && !/^\d+\.\d+\.\d+\.\d+$/.test(d))
  const engines: Array<{ name: string, engine: Engine, kind: 'domain' | 'url', minRecall: number }> = [
    { name: 'reputation', engine: createReputationEngine(), kind: 'domain', minRecall: 0.08 },
    { name: 'lookalike', engine: createLookalikeEngine(), kind: 'domain', minRecall: 0.12 },
    { name: 'lists', engine: createListsEngine({ feeds: [], ethPhishingDetect: true }), kind: 'domain', minRecall: 0.99 },
    // structural URL signs only: a bare http://host/ has none, so its recall here is 0 by design
    { name: 'url-heuristics', engine: createUrlHeuristicsEngine(), kind: 'url', minRecall: 0 }
  ]
  for (const { name, engine, kind, minRecall } of engines) {
    await engine.start()
    const fp = await flagged(engine, kind, popular.heldOut)
    const hits = await flagged(engine, kind, phishing)
    await engine.stop()
    const rate = fp.length / popular.heldOut.length
    const recall = hits.length / phishing.length
    t.comment(`${name}: false positives ${fp.length}/${popular.heldOut.length} (${(rate * 100).toFixed(2)}%), recall ${hits.length}/${phishing.length} (${(recall * 100).toFixed(1)}%)`)
    t.ok(rate <= 0.001, `${name}: false positives at most 0.1%${fp.length > 0 ? `: ${fp.slice(0, 5).join(', ')}` : ''}`)
    t.ok(recall >= minRecall, `${name}: recall ${(recall * 100).toFixed(1)}% on the blacklist sample`)
  }
  // wallet addresses only: a domain is not its kind, so it cannot flag one
  const addresses = createAddressesEngine({ feeds: [], protectedAddresses: [] })
  await addresses.start()
  for (const h of popular.heldOut.slice(0, 100)) t.equal((await addresses.scan(subjectInput('domain', h))).category, 'type-unsupported')
  await addresses.stop()
})
