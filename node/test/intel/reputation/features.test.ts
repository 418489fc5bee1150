import tap from 'tap'
import { lexicalFeatures, shannonEntropy } from '../../../src/intel/reputation/lexical.ts'
import { DEFAULT_NETWORK_PARAMETERS, networkFeatures } from '../../../src/intel/reputation/network-features.ts'
import { MODEL_FEATURES, extractFeatures, modelVector } from '../../../src/intel/reputation/features.ts'
import { dictionaryHits } from '../../../src/intel/reputation/threat-dictionary.ts'
import { subjectHost } from '../../../src/intel/reputation/subject.ts'
import { truncatedNormalCdf } from '../../../src/intel/reputation/distributions.ts'

tap.test('subjectHost: domains and URLs to one lowercase ASCII host; garbage is undefined', async t => {
  t.equal(subjectHost('domain', 'WWW.Example.COM.'), 'example.com')
  t.equal(subjectHost('domain', 'mеtamask.io'), 'xn--mtamask-7gg.io', 'Cyrillic е becomes punycode')
  t.equal(subjectHost('url', 'https://user:pw@Login.Example.com:8443/a?b#c'), 'login.example.com')
  t.equal(subjectHost('url', 'http://192.168.0.1/x'), '192.168.0.1')
  for (const bad of ['', ' ', 'not a domain', 'a..b', '-a.com', 'a'.repeat(64) + '.com', `${'a.'.repeat(200)}com`, '\u0000', 'a.com/x']) {
    t.equal(subjectHost('domain', bad), undefined, `domain ${JSON.stringify(bad.slice(0, 20))}`)
  }
  for (const bad of ['data:text/html,hi', 'javascript:alert(1)', 'http://[::1]/', 'nope', 'https://' + 'a'.repeat(1 << 20) + '.com/']) {
    t.equal(subjectHost('url', bad), undefined, `url ${JSON.stringify(bad.slice(0, 20))}`)
  }
})

tap.test('lexical features', async t => {
  const f = lexicalFeatures('a.b.etherealart.nfts-mints.com')
  t.equal(f.labelLength, 'nfts-mints'.length)
  t.equal(f.subdomainDepth, 3)
  t.equal(f.hyphens, 1)
  t.equal(f.abusedTld, 0)
  const g = lexicalFeatures('metamask-wallet-restore.xyz')
  t.equal(g.brandImpersonation, 1, 'brand inside someone else\'s name')
  t.equal(g.brandExact, 0)
  t.equal(g.abusedTld, 1)
  t.ok(g.dictionary.phishing >= 2, 'wallet, restore')
  const own = lexicalFeatures('metamask.io')
  t.same([own.brandExact, own.brandImpersonation], [1, 0], 'the brand\'s own domain')
  const sub = lexicalFeatures('graph.instagram.com')
  t.same([sub.brandExact, sub.brandImpersonation], [1, 0], 'a host under the brand\'s own domain is the brand')
  const hosted = lexicalFeatures('metamask.github.io')
  t.same([hosted.brandExact, hosted.brandImpersonation], [0, 1], 'the brand\'s label on free hosting is anyone\'s')
  const owner = lexicalFeatures('fonts.googleapis.com')
  t.same([owner.brandExact, owner.brandImpersonation], [0, 0], 'a brand inside a private suffix is its owner\'s (googleapis.com)')
  t.equal(lexicalFeatures('google.login.googleapis.com').brandImpersonation, 1, 'a brand before the private suffix still imitates')
  t.equal(lexicalFeatures('paypal.com.evil.example').brandImpersonation, 1, 'the brand in a subdomain of another domain')
  const idn = lexicalFeatures('xn--mtamask-7gg.io')
  t.same([idn.punycode, idn.nonAscii], [1, 1])
  t.equal(lexicalFeatures('foo.netlify.app').privateSuffix, 1)
  t.equal(lexicalFeatures('10.0.0.1').isIp, 1)
  t.equal(lexicalFeatures('a1b2.com').digitRatio, 2 / 8)
  t.equal(shannonEntropy('aaaa'), 0)
  t.equal(shannonEntropy('abcd'), 2)
  t.equal(lexicalFeatures('x'.repeat(1 << 20)).hostLength, 253, 'capped')
})

tap.test('threat dictionary: short words only as whole tokens', async t => {
  t.equal(dictionaryHits('download.example.com').adware, 0, '"ad" is not inside "download"')
  t.equal(dictionaryHits('ad.example.com').adware, 1)
  t.equal(dictionaryHits('google-analytics.com').tracker, 1)
  t.equal(dictionaryHits('Trojan.Win32.Phish').phishing, 1, 'engine labels too, case-insensitive')
  t.equal(dictionaryHits('coinhive.com').mining, 1)
})

tap.test('network features: unknown stays unknown; the CDFs normalise', async t => {
  const none = networkFeatures(undefined)
  t.same([none.detectionScore, none.relatedFilesScore, none.popularityScore, none.communityScore, none.highConfidenceHits], [undefined, undefined, undefined, undefined, 0])
  const n = networkFeatures({
    engineDetections: { malicious: 3, suspicious: 0, total: 10 },
    relatedFiles: { maxMalicious: 9, totalEngines: 10 },
    popularityRank: 1000,
    communityVotes: { harmless: 1, malicious: 3 },
    highConfidenceEngineHits: ['ClamAV'],
    engineLabels: ['Phishing.Generic']
  })
  t.equal(n.detectionScore, truncatedNormalCdf(0.3, DEFAULT_NETWORK_PARAMETERS.detections))
  t.ok(n.detectionScore! > 0.9 && n.detectionScore! < 1)
  t.ok(n.relatedFilesScore! > 0.5 && n.relatedFilesScore! <= 1)
  t.equal(n.popularityScore, 0.5, 'rank 1000 of a 10^6 horizon')
  t.equal(n.communityScore, -0.5)
  t.equal(n.highConfidenceHits, 1)
  t.equal(n.engineLabelHits.phishing, 1)
  const hostile = networkFeatures({
    engineDetections: { malicious: Number.NaN, suspicious: -1, total: 0 },
    relatedFiles: { maxMalicious: Infinity, totalEngines: -5 },
    popularityRank: -3,
    communityVotes: { harmless: 0, malicious: 0 },
    highConfidenceEngineHits: Array.from({ length: 10_000 }, () => 'x'),
    engineLabels: ['x'.repeat(1 << 20)]
  })
  t.same([hostile.detectionScore, hostile.relatedFilesScore, hostile.popularityScore, hostile.communityScore, hostile.highConfidenceHits], [undefined, undefined, undefined, undefined, 100])
})

tap.test('model vector: one column per MODEL_FEATURES name, rounded, network-free', async t => {
  const f = extractFeatures('login-secure.example.xyz', { engineDetections: { malicious: 9, suspicious: 0, total: 10 } })
  const v = modelVector(f.lexical)
  t.equal(v.length, MODEL_FEATURES.length)
  t.ok(v.every(x => Number.isFinite(x) && Math.round(x * 1e4) / 1e4 === x))
  t.same(v, modelVector(extractFeatures('login-secure.example.xyz').lexical), 'evidence does not reach the models')
})
