import tap from 'tap'
import { addressHex, createPoisoningIndex, findPoisoningLookalikes } from '../../src/intel/address-poisoning.ts'
import { createAddressesEngine } from '../../src/intel/addresses-engine.ts'
import { createIndicatorFeed } from '../../src/intel/lists/indicator-feed.ts'
import { engineCompliance } from '../scan/engine-compliance.ts'
import { silentLogger } from '../scan/yara-helpers.ts'
import { subjectInput } from './intel-helpers.ts'

const USED = '0x52908400098527886E0F7030069857D2E4169EE7'
/** same 5290…9ee7 shape, different middle: what a poisoner mints */
const POISON = '0x5290aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9ee7'
const SCAM = '0x000000000000000000000000000000000000dead'

tap.test('findPoisoningLookalikes: same first and last four hex digits, different address', async (t) => {
  t.same(findPoisoningLookalikes(POISON, [USED, SCAM]), [USED])
  t.same(findPoisoningLookalikes(POISON.toUpperCase().replace('0X', '0x'), [USED]), [USED], 'case-insensitive')
  t.same(findPoisoningLookalikes(`eip155:137:${POISON}`, [`eip155:1:${USED.toLowerCase()}`]), [`eip155:1:${USED.toLowerCase()}`], 'CAIP-10 on either side, chain ignored')
  t.same(findPoisoningLookalikes(USED, [USED, USED.toLowerCase()]), [], 'the same address is not a look-alike of itself')
  t.same(findPoisoningLookalikes('0x5290ffffffffffffffffffffffffffffffff9ee8', [USED]), [], 'last digit differs')
  t.same(findPoisoningLookalikes('0x5291aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9ee7', [USED]), [], 'first four differ')
  for (const junk of ['', '0x1234', 'x'.repeat(1_000_000), `0x${'g'.repeat(40)}`, `${POISON}00`]) {
    t.same(findPoisoningLookalikes(junk, [USED]), [], `junk ${junk.slice(0, 12)}`)
    t.same(findPoisoningLookalikes(POISON, [junk]), [])
  }
  t.equal(addressHex(`eip155:1:${USED}`), USED.slice(2).toLowerCase())
  t.same(createPoisoningIndex([USED, 'junk', SCAM])(POISON), [USED.toLowerCase()], 'the index agrees, returning 0x lowercase')
  t.same(createPoisoningIndex([USED])(USED), [])
})

tap.test('the addresses engine passes the engine compliance test', async (t) => {
  const dir = t.testdir({ 'scam.txt': `${SCAM}\n` })
  engineCompliance(t, {
    create: () => createAddressesEngine({
      feeds: [createIndicatorFeed({ name: 'scam', source: `${dir}/scam.txt`, refreshSeconds: 3600, kind: 'wallet' }, { logger: silentLogger })],
      protectedAddresses: [USED],
      logger: silentLogger
    }),
    detected: subjectInput('wallet', `eip155:1:${SCAM}`),
    clean: subjectInput('wallet', `eip155:1:${USED.toLowerCase()}`)
  })
})

tap.test('scam addresses from feeds, poisoning of protected addresses, hostile subjects', async (t) => {
  const dir = t.testdir({ 'scam.txt': `# known drainers\n${SCAM}\neip155:56:0x2222222222222222222222222222222222222222\n` })
  const engine = createAddressesEngine({
    feeds: [createIndicatorFeed({ name: 'drainers', source: `${dir}/scam.txt`, refreshSeconds: 3600, kind: 'wallet' }, { logger: silentLogger })],
    protectedAddresses: [USED, `eip155:1:${SCAM}`]
  })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  t.same(engine.kinds, ['wallet'])
  const cases: Array<[string, string, string]> = [
    [`eip155:10:${SCAM}`, 'malicious', 'operator-list:drainers'],
    ['eip155:56:0x2222222222222222222222222222222222222222', 'malicious', 'operator-list:drainers'],
    ['eip155:1:0x2222222222222222222222222222222222222222', 'undetected', ''],
    [`eip155:1:${POISON}`, 'suspicious', `address-poisoning:${USED.toLowerCase()}`],
    [`eip155:1:${USED.toLowerCase()}`, 'undetected', ''],
    ['eip155:1:0x0000ffffffffffffffffffffffffffffffffdead', 'suspicious', `address-poisoning:${SCAM}`]
  ]
  for (const [subject, category, label] of cases) {
    const r = await engine.scan(subjectInput('wallet', subject))
    t.same([r.category, r.result, r.method], [category, label, 'blacklist'], subject)
  }
  for (const bad of [`eip155:1:${USED}`.replace('EE7', 'Ee7'), 'x'.repeat(1 << 20), '', 'eip155:1:0x12']) {
    t.equal((await engine.scan(subjectInput('wallet', bad))).category, 'type-unsupported', `hostile ${bad.slice(0, 20)}`)
  }
  t.equal((await engine.scan(subjectInput('domain', 'a.example'))).category, 'type-unsupported', 'only wallets')
})
