import tap from 'tap'
import { writeFileSync } from 'node:fs'
import { createIndicatorFeed } from '../../../src/intel/lists/indicator-feed.ts'
import { createListsEngine } from '../../../src/intel/lists/lists-engine.ts'
import { engineCompliance } from '../../scan/engine-compliance.ts'
import { silentLogger } from '../../scan/yara-helpers.ts'
import { subjectInput } from '../intel-helpers.ts'

const ADDR = '0x52908400098527886e0f7030069857d2e4169ee7'
const OPS_LIST = [
  'domain:operator-bad.example', 'url:https://good.example/phish', 'ip:203.0.113.7', 'ip:2001:db8::66',
  ADDR, 'wallet:eip155:56:0x1111111111111111111111111111111111111111', `script:${'ab'.repeat(32)}`,
  'domain:myetherwallet.com' // on eth-phishing-detect's whitelist: the operator's own list wins
].join('\n')

tap.test('the lists engine passes the engine compliance test', async (t) => {
  const dir = t.testdir({ 'ops.txt': OPS_LIST })
  engineCompliance(t, {
    create: () => createListsEngine({
      feeds: [createIndicatorFeed({ name: 'ops', source: `${dir}/ops.txt`, refreshSeconds: 3600 }, { logger: silentLogger })],
      ethPhishingDetect: true,
      logger: silentLogger
    }),
    detected: subjectInput('domain', 'nfts-mints.com'),
    clean: subjectInput('domain', 'example.org')
  })
})

tap.test('operator feeds and eth-phishing-detect, every kind', async (t) => {
  const dir = t.testdir({ 'ops.txt': OPS_LIST, 'second.txt': 'operator-bad.example\nsecond-only.example\n' })
  const engine = createListsEngine({
    feeds: [
      createIndicatorFeed({ name: 'ops', source: `${dir}/ops.txt`, refreshSeconds: 3600 }, { logger: silentLogger }),
      createIndicatorFeed({ name: 'second', source: `${dir}/second.txt`, refreshSeconds: 3600, kind: 'domain' }, { logger: silentLogger })
    ],
    ethPhishingDetect: true
  })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  t.same(engine.kinds, ['url', 'domain', 'ip', 'wallet', 'script'])
  t.match(engine.version, /^1\.0\.0\+epd1\.2\.0$/)
  const cases: Array<[Parameters<typeof subjectInput>[0], string, string, string]> = [
    ['domain', 'operator-bad.example', 'malicious', 'operator-list:ops'],
    ['domain', 'deep.sub.operator-bad.example', 'malicious', 'operator-list:ops'],
    ['domain', 'second-only.example', 'malicious', 'operator-list:second'],
    ['domain', 'myetherwallet.com', 'malicious', 'operator-list:ops'],
    ['domain', 'nfts-mints.com', 'malicious', 'phishing'],
    ['domain', 'etherealart.nfts-mints.com', 'malicious', 'phishing'],
    ['domain', 'www.login.nfts-mints.com', 'malicious', 'phishing'],
    ['domain', 'metamask.io', 'undetected', ''],
    ['domain', 'etherscan.io', 'undetected', ''],
    ['domain', 'etherscam.io', 'suspicious', 'phishing-lookalike:etherscan.io'],
    ['domain', 'notoperator-bad.example', 'undetected', ''],
    ['url', 'https://good.example/phish', 'malicious', 'operator-list:ops'],
    ['url', 'https://good.example/other', 'undetected', ''],
    ['url', 'http://x.nfts-mints.com/claim?a=1', 'malicious', 'phishing'],
    ['url', 'http://203.0.113.7/x', 'malicious', 'operator-list:ops'],
    ['url', 'http://[2001:db8::66]/x', 'malicious', 'operator-list:ops'],
    ['url', 'http://46.226.108.171/', 'malicious', 'phishing'],
    ['url', 'data:text/html,<script>alert(1)</script>', 'undetected', ''],
    ['url', 'javascript:alert(1)', 'undetected', ''],
    ['ip', '203.0.113.7', 'malicious', 'operator-list:ops'],
    ['ip', '46.226.108.171', 'malicious', 'phishing'],
    ['ip', '203.0.113.8', 'undetected', ''],
    ['wallet', `eip155:1:${ADDR}`, 'malicious', 'operator-list:ops'],
    ['wallet', `eip155:137:${ADDR}`, 'malicious', 'operator-list:ops'],
    ['wallet', 'eip155:56:0x1111111111111111111111111111111111111111', 'malicious', 'operator-list:ops'],
    ['wallet', 'eip155:1:0x1111111111111111111111111111111111111111', 'undetected', ''],
    ['script', 'ab'.repeat(32), 'malicious', 'operator-list:ops'],
    ['script', 'cd'.repeat(32), 'undetected', '']
  ]
  for (const [kind, subject, category, label] of cases) {
    const r = await engine.scan(subjectInput(kind, subject))
    t.same([r.category, r.result, r.method], [category, label, 'blacklist'], `${kind} ${subject}`)
  }
})

tap.test('a feed refreshed at run time changes the verdicts; eth-phishing-detect can be off', async (t) => {
  const dir = t.testdir({ 'ops.txt': 'a.example\n' })
  const feed = createIndicatorFeed({ name: 'ops', source: `${dir}/ops.txt`, refreshSeconds: 3600 }, { logger: silentLogger })
  const engine = createListsEngine({ feeds: [feed], ethPhishingDetect: false })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  t.equal(engine.version, '1.0.0')
  t.equal((await engine.scan(subjectInput('domain', 'nfts-mints.com'))).category, 'undetected', 'eth-phishing-detect off')
  t.equal((await engine.scan(subjectInput('domain', 'b.example'))).category, 'undetected')
  writeFileSync(`${dir}/ops.txt`, 'a.example\nb.example\n')
  t.match(await feed.refresh(), { result: 'changed', added: 1 })
  t.equal((await engine.scan(subjectInput('domain', 'b.example'))).result, 'operator-list:ops')
})

tap.test('hostile subjects are answered, never thrown', async (t) => {
  const dir = t.testdir({ 'ops.txt': 'a.example\n' })
  const engine = createListsEngine({
    feeds: [createIndicatorFeed({ name: 'ops', source: `${dir}/ops.txt`, refreshSeconds: 3600 }, { logger: silentLogger })],
    ethPhishingDetect: true
  })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  const inputs = [
    subjectInput('domain', 'x'.repeat(1024 * 1024)),
    subjectInput('url', `http://a.example/${'a'.repeat(1024 * 1024)}`),
    subjectInput('domain', new Uint8Array([0xff, 0xfe, 0x00])),
    subjectInput('domain', ''),
    subjectInput('domain', 'not a domain'),
    subjectInput('wallet', '0xnothex'),
    subjectInput('wallet', '0x52908400098527886E0F7030069857D2E4169Ee7'), // bad EIP-55 checksum
    subjectInput('url', 'gopher://a.example/'),
    subjectInput('script', 'ab'),
    subjectInput('ip', '999.0.0.1'),
    subjectInput('domain', `${'a.'.repeat(130)}example`)
  ]
  for (const input of inputs) {
    const r = await engine.scan(input)
    t.equal(r.category, 'type-unsupported', `${input.kind} ${input.bytes.length} bytes`)
  }
  const long = await engine.scan(subjectInput('domain', `${'a.'.repeat(100)}a.example`))
  t.same([long.category, long.result], ['malicious', 'operator-list:ops'], 'a 100-label subdomain still walks up')
})
