import tap from 'tap'
import { loadBrandData } from '../../src/intel/brands.ts'
import { judgeHost } from '../../src/intel/lookalike.ts'

const brands = await loadBrandData()
const host = (unicode: string): string => new URL(`http://${unicode}`).hostname

tap.test('the real brands and allowlisted sites are harmless', async (t) => {
  for (const h of ['metamask.io', 'www.metamask.io', 'opensea.io', 'etherscan.io', 'google.com', 'mail.google.com', 'uniswap.org']) {
    t.same(judgeHost(h, brands), { category: 'harmless', result: '' }, h)
  }
})

tap.test('imitations are flagged with the brand they imitate', async (t) => {
  const cases: Array<[string, string, string]> = [
    [host('mеtamask.io'), 'malicious', 'homograph:metamask.io'],
    [host('mètamask.io'), 'malicious', 'homograph:metamask.io'],
    [host('οpensea.io'), 'malicious', 'homograph:opensea.io'],
    ['rnetamask.io', 'malicious', 'lookalike:metamask.io'],
    ['m3tamask.com', 'malicious', 'lookalike:metamask.io'],
    ['metamask.io.claim-airdrop.xyz', 'malicious', 'deceptive-subdomain:metamask.io'],
    ['metamask.secure-login.xyz', 'malicious', 'deceptive-subdomain:metamask.io'],
    ['metamask.xyz', 'suspicious', 'lookalike-suffix:metamask.io'],
    ['metamsak.io', 'suspicious', 'lookalike:metamask.io'],
    ['etherscann.io', 'suspicious', 'lookalike:etherscan.io'],
    ['metamask-wallet-restore.com', 'suspicious', 'brand-in-name:metamask.io'],
    ['paypal.com.account-verify.xyz', 'suspicious', 'deceptive-subdomain:paypal.com'],
    [host('mixеd.com'), 'suspicious', 'mixed-script']
  ]
  for (const [h, category, result] of cases) t.same(judgeHost(h, brands), { category, result }, h)
})

tap.test('unrelated names, IDNs in one script and IPs are left alone', async (t) => {
  for (const h of ['example.org', host('bücher.de'), host('яндекс.рф'), '1.2.3.4', 'localhost', 'co.uk', 'a.b', 'meta.com', 'mask.io']) {
    t.equal(judgeHost(h, brands).category === 'malicious' || judgeHost(h, brands).category === 'suspicious', false, h)
  }
})

tap.test('operator brands and allowlist extend the defaults; the allowlist wins', async (t) => {
  const mine = await loadBrandData({ protectedDomains: ['examplebank.com'], allowlist: ['examplebank-login.com'] })
  t.equal(judgeHost('examplebamk.com', mine).result, 'lookalike:examplebank.com')
  t.equal(judgeHost('examplebank-login.com', mine).category, 'harmless')
  const bare = await loadBrandData({ ethPhishingDetect: false })
  t.equal(judgeHost('rnetamask.io', bare).category, 'undetected', 'without eth-phishing-detect, metamask is not protected')
})

tap.test('hostile hosts: long, garbage, unicode soup never throw', async (t) => {
  for (const h of ['a'.repeat(300), `${'a.'.repeat(120)}com`, '\u0000\u0001', '..', '-', 'xn--', 'xn--zzzzzzzz.com', '💩.com']) {
    t.doesNotThrow(() => judgeHost(h, brands), JSON.stringify(h.slice(0, 20)))
  }
})
