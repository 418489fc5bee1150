import tap from 'tap'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import type { ScanInput } from '../../../src/scan/engine.ts'
import { createReputationEngine } from '../../../src/intel/reputation/reputation-engine.ts'
import type { NetworkEvidence } from '../../../src/intel/reputation/network-features.ts'
import { engineCompliance } from '../../scan/engine-compliance.ts'
import { silentLogger } from '../../scan/yara-helpers.ts'
import { loadDefaultGuards, parseRanks } from '../../../src/intel/reputation/guards.ts'

const subject = (kind: 'domain' | 'url', text: string | Uint8Array): ScanInput => {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text
  return { bytes, sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`, kind, fileType: kind }
}

tap.test('the reputation engine passes the engine compliance test', async t => {
  engineCompliance(t, {
    create: () => createReputationEngine({ logger: silentLogger }),
    detected: subject('domain', 'metamask-wallet-restore.xyz'),
    clean: subject('domain', 'google.com')
  })
})

tap.test('domains and URLs: the host is judged, the label is the threat label', async t => {
  const engine = createReputationEngine()
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  t.same(engine.kinds, ['domain', 'url'])
  t.match(engine.version, /^1\.0\.0\+[0-9a-f]{12}$/, 'the version names the model file')
  const url = await engine.scan(subject('url', 'https://metamask-wallet-restore.xyz/connect?x=1'))
  t.same([url.category, url.result, url.method], ['malicious', 'phishing', 'reputation'])
  // from the name alone it takes every neighbour and two signs (NAME_ONLY_*): the IDN shape is
  // one, so the homograph is VirusMap-Lookalike's to name (lookalike.test.ts)
  const idn = await engine.scan(subject('domain', 'xn--mtamask-7gg.io'))
  t.equal(idn.category, 'undetected', 'an IDN look-alike with no second sign is not convicted by name')
  const hosted = await engine.scan(subject('domain', 'connect-metamask.netlify.app'))
  t.same([hosted.category, hosted.result], ['malicious', 'phishing'], 'brand and threat word on free hosting')
  // popular hosts outside top-sites that the majority vote flagged (issue 14): subdomains of a
  // brand's own domain, brands inside a private suffix their owner listed
  for (const clean of ['google.com', 'github.com', 'metamask.io', 'wikipedia.org', 'graph.instagram.com', 'fonts.googleapis.com', 'googletagmanager.com', 'unpkg.com']) {
    const r = await engine.scan(subject('domain', clean))
    t.ok(r.category === 'undetected' || r.category === 'harmless', `${clean}: ${r.category}`)
    t.equal(r.result, '')
  }
  t.equal((await engine.scan({ ...subject('domain', 'google.com'), kind: 'file' })).category, 'type-unsupported', 'files are not its business')
})

tap.test('hostile subjects are answered, never thrown', async t => {
  const engine = createReputationEngine()
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  const cases: ScanInput[] = [
    subject('domain', ''),
    subject('domain', 'x'.repeat(1 << 20)),
    subject('url', `https://${'a'.repeat(1 << 20)}.com/`),
    subject('url', 'data:text/html,<script>alert(1)</script>'),
    subject('url', 'javascript:alert(1)'),
    subject('url', 'http://[::1]:80/'),
    subject('domain', new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28])),
    subject('domain', crypto.getRandomValues(new Uint8Array(4096))),
    subject('domain', '../../etc/passwd'),
    subject('domain', 'a.com/x?y')
  ]
  for (const c of cases) {
    const r = await engine.scan(c)
    t.equal(r.category, 'type-unsupported', `garbage ${c.bytes.length} bytes`)
    t.equal(r.result, '')
  }
  const ip = await engine.scan(subject('url', 'http://10.0.0.1/login'))
  t.ok(['malicious', 'suspicious', 'undetected', 'harmless'].includes(ip.category), 'an IP host is judged')
})

tap.test('the evidence port: live network features reach the rules; a failing source is unknown', async t => {
  const seen: string[] = []
  const evidence: Record<string, NetworkEvidence> = {
    'example.com': { engineDetections: { malicious: 6, suspicious: 0, total: 10 }, relatedFiles: { maxMalicious: 9, totalEngines: 10 }, engineLabels: ['Trojan.Loader'] },
    'google.com': { popularityRank: 1, engineDetections: { malicious: 0, suspicious: 0, total: 10 }, relatedFiles: { maxMalicious: 0, totalEngines: 10 } },
    'metamask-wallet-restore.xyz': { popularityRank: 50 }
  }
  const engine = createReputationEngine({
    evidence: {
      async evidence (domain) {
        seen.push(domain)
        if (domain === 'boom.example') throw new Error('repository down')
        return evidence[domain]
      }
    },
    logger: silentLogger
  })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  const bad = await engine.scan(subject('url', 'https://www.Example.com/a'))
  t.same([bad.category, bad.result], ['malicious', 'malware'], 'engines and related files convict a plain name')
  const popular = await engine.scan(subject('domain', 'google.com'))
  t.same([popular.category, popular.result], ['harmless', ''], 'popular and clean everywhere')
  const guarded = await engine.scan(subject('domain', 'metamask-wallet-restore.xyz'))
  t.equal(guarded.category, 'undetected', 'popularity guards against a lexical false positive')
  const failing = await engine.scan(subject('domain', 'boom.example'))
  t.ok(['undetected', 'suspicious', 'malicious'].includes(failing.category), 'a failing source does not fail the scan')
  t.same(seen, ['example.com', 'google.com', 'metamask-wallet-restore.xyz', 'boom.example'], 'the source is asked about the host')

  const hanging = createReputationEngine({ evidence: { evidence: async (_d, o) => await new Promise((_resolve, reject) => { o?.signal?.addEventListener('abort', () => { reject(o.signal?.reason) }) }) } })
  await hanging.start()
  const controller = new AbortController()
  const pending = hanging.scan(subject('domain', 'example.com'), { signal: controller.signal })
  controller.abort(new Error('job cancelled'))
  await t.rejects(pending, { code: 'SCAN_ABORTED' }, 'aborting while the source answers rejects')
  await hanging.stop()
})

tap.test('a missing or broken model fails start with ENGINE_UNAVAILABLE', async t => {
  const dir = t.testdir({ 'bad.json': '{"format":"nope"}', 'junk.json': 'not json' })
  await t.rejects(createReputationEngine({ modelPath: `${dir}/none.json` }).start(), { code: 'ENGINE_UNAVAILABLE' })
  await t.rejects(createReputationEngine({ modelPath: `${dir}/bad.json` }).start(), { code: 'ENGINE_UNAVAILABLE' })
  await t.rejects(createReputationEngine({ modelPath: `${dir}/junk.json` }).start(), { code: 'ENGINE_UNAVAILABLE' })
  writeFileSync(`${dir}/trunc.json`, JSON.stringify({ format: 'virusmap-reputation/1' }))
  await t.rejects(createReputationEngine({ modelPath: `${dir}/trunc.json` }).start(), { code: 'ENGINE_UNAVAILABLE' })
})

tap.test('guards: the default rank list and allowlist load; an allowlisted name is not flagged by the models', async t => {
  const defaults = await loadDefaultGuards()
  t.equal(defaults.ranks.get('google.com'), 1, 'www. stripped, rank kept')
  t.ok(defaults.ranks.size >= 490)
  t.ok(defaults.allow.has('metamask.io'), 'eth-phishing-detect whitelist')
  t.same([...parseRanks('# c\n1\twww.a.com\n2\ta.com\nx\tb.com\n3\tnot a host\n')], [['a.com', 1]])
  const allow = createReputationEngine({ guards: { ranks: new Map(), allow: new Set(['metamask-wallet-restore.xyz']) } })
  await allow.start()
  t.equal((await allow.scan(subject('domain', 'metamask-wallet-restore.xyz'))).category, 'undetected')
  await allow.stop()
  const ranked = createReputationEngine({ guards: { ranks: new Map([['metamask-wallet-restore.xyz', 3]]), allow: new Set() } })
  await ranked.start()
  t.equal((await ranked.scan(subject('domain', 'metamask-wallet-restore.xyz'))).category, 'undetected', 'a top rank guards too')
  await ranked.stop()
})
