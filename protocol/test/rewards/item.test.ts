/**
 * The reward item of a URL or domain report (SPEC section 17, rule 1): the registrable domain under the
 * PSL's ICANN section, an IP literal as the IP, a host without a registrable domain as itself; hostile and
 * odd hosts; and the pin that makes every member read the same list.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { canonicalizeIndicator, hostRewardKey, indicatorSha256, rewardItemOf, rewardKeyOf } from '../../src/index.ts'
import type { Hex, IndicatorKind } from '../../src/index.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')
/** The item a job on this raw indicator earns under: canonicalised as a job's subject is, then keyed. */
const itemOf = (kind: IndicatorKind, raw: string): Hex => {
  const subject = canonicalizeIndicator(kind, raw)
  return rewardItemOf(kind, indicatorSha256(subject), subject)
}
const keyOf = (raw: string): unknown => rewardKeyOf('url', canonicalizeIndicator('url', raw))
const domain = (subject: string): unknown => ({ kind: 'domain', subject })
const ip = (subject: string): unknown => ({ kind: 'ip', subject })

tap.test('every URL on one registrable domain, and a domain report on it, is one item', async (t) => {
  const evil = indicatorSha256('evil.example')
  const urls = ['https://evil.example/', 'https://a.evil.example/login', 'http://b.c.evil.example:8080/x?y=1#z', 'evil.example/path', 'ftp://user@files.evil.example:21/']
  for (const u of urls) t.equal(itemOf('url', u), evil, u)
  t.equal(itemOf('domain', 'evil.example'), evil, 'the domain report on it')
  t.equal(itemOf('domain', 'www.evil.example'), evil, 'a subdomain report is the same item: subdomains cost nothing')
  t.not(itemOf('url', 'https://evil2.example/'), evil, 'another registrable domain is another item')
  t.equal(evil, indicatorSha256(canonicalizeIndicator('domain', 'evil.example')), 'the hash a domain job on it carries')
})

tap.test('case, trailing dot, port, userinfo and percent-escapes do not make another item', async (t) => {
  t.same(keyOf('HTTP://WWW.EVIL.EXAMPLE/A'), domain('evil.example'))
  t.same(keyOf('http://www.evil.co.uk./a'), domain('evil.co.uk'), 'the trailing dot')
  t.same(keyOf('http://evil.example:65535/'), domain('evil.example'))
  t.same(keyOf('http://paypal.com@login.evil.example/'), domain('evil.example'), 'the userinfo is not the host')
  t.same(keyOf('http://paypal.com:secret@evil.example/'), domain('evil.example'))
  t.same(keyOf('http://login.paypal.com%2eevil.example/'), domain('evil.example'), 'an escaped dot is a dot once parsed')
  t.same(keyOf('http://a_b.evil.com/'), domain('evil.com'), 'an underscore label (no DNS name) still has the registrable domain')
  t.same(keyOf('http://a..b.evil.com/'), domain('evil.com'), 'an empty label')
  t.same(hostRewardKey('EVIL.Example.'), domain('evil.example'), 'a host not from the URL parser: case and one trailing dot')
})

tap.test('IDN hosts key by their punycode registrable domain', async (t) => {
  t.same(keyOf('http://münchen.de/x'), domain('xn--mnchen-3ya.de'))
  t.equal(itemOf('url', 'http://www.MÜNCHEN.de/'), itemOf('domain', 'xn--mnchen-3ya.de'), 'Unicode and punycode spellings are one item')
  t.same(keyOf('http://evil.公司.cn/'), domain('evil.xn--55qx5d.cn'), 'an IDN public suffix (公司.cn)')
  t.same(keyOf('http://公司.cn/'), domain('xn--55qx5d.cn'), 'the IDN suffix alone is its own key')
  t.same(keyOf('http://sub.例え.テスト/'), domain('xn--r8jz45g.xn--zckzah'), 'a TLD not on the list: the default rule (its last label)')
})

tap.test('IP literals key as the IP, the same item as an ip report', async (t) => {
  t.same(keyOf('http://1.2.3.4:81/x'), ip('1.2.3.4'))
  t.equal(itemOf('url', 'http://1.2.3.4:81/x'), itemOf('ip', '1.2.3.4'))
  t.equal(itemOf('url', 'http://0x01.2.3.4/'), itemOf('ip', '1.2.3.4'), 'a hex octet')
  t.equal(itemOf('url', 'http://16909060/'), itemOf('ip', '1.2.3.4'), 'a 32-bit number')
  t.same(keyOf('http://[2001:DB8::1]:8443/'), ip('2001:db8::1'))
  t.equal(itemOf('url', 'http://[2001:DB8:0:0::1]/'), itemOf('ip', '2001:db8::1'))
  t.equal(itemOf('url', 'http://[::ffff:1.2.3.4]/'), itemOf('ip', '::ffff:1.2.3.4'), 'a mapped IPv4 stays IPv6, as an ip job spells it')
  t.not(itemOf('url', 'http://1.2.3.4/'), itemOf('url', 'http://1.2.3.5/'), 'no grouping of neighbouring addresses')
})

tap.test('a host with no registrable domain keys as itself', async (t) => {
  t.same(keyOf('http://co.uk/'), domain('co.uk'), 'a bare public suffix')
  t.equal(itemOf('url', 'http://co.uk/x'), itemOf('domain', 'co.uk'))
  t.same(keyOf('http://localhost:3000/'), domain('localhost'))
  t.same(keyOf('http://intranet/'), domain('intranet'))
  t.same(keyOf('http://foo.kawasaki.jp/'), domain('foo.kawasaki.jp'), '*.kawasaki.jp: foo.kawasaki.jp is itself a suffix')
  t.same(keyOf('http://evil.foo.kawasaki.jp/'), domain('evil.foo.kawasaki.jp'))
  t.same(keyOf('http://city.kawasaki.jp/'), domain('city.kawasaki.jp'), 'the exception rule !city.kawasaki.jp')
  t.same(hostRewardKey('.'), domain('.'), 'a lone dot')
  t.same(hostRewardKey(''), domain(''))
})

tap.test('ICANN section only: a free subdomain of a private suffix is the service\'s item', async (t) => {
  t.same(keyOf('https://evil.github.io/'), domain('github.io'))
  t.equal(itemOf('url', 'https://farm1.github.io/'), itemOf('url', 'https://farm2.github.io/'), 'two pages on one free host are one item')
  t.same(keyOf('http://x.blogspot.com/p'), domain('blogspot.com'))
  t.same(keyOf('http://x.duckdns.org/'), domain('duckdns.org'))
  t.same(keyOf('http://x.y.s3.amazonaws.com/'), domain('amazonaws.com'))
})

tap.test('very long hosts and oversize subjects', async (t) => {
  const label = 'a'.repeat(63)
  const long = `http://${Array.from({ length: 30 }, () => label).join('.')}.evil.example/`
  t.same(keyOf(long), domain('evil.example'), '30 labels of 63')
  const started = performance.now()
  t.same(hostRewardKey(`${'x.'.repeat(50_000)}evil.co.uk`), domain('evil.co.uk'), '50,000 labels')
  t.same(hostRewardKey(`${'b'.repeat(100_000)}.com`), domain(`${'b'.repeat(100_000)}.com`), 'one 100,000-character label')
  t.ok(performance.now() - started < 2_000, 'linear, not stuck')
  const sha = `0x${'ab'.repeat(32)}` as Hex
  t.equal(rewardKeyOf('url', `http://${'a'.repeat(9000)}.com/`), undefined, 'longer than any subject: no key')
  t.equal(rewardItemOf('url', sha, `http://${'a'.repeat(9000)}.com/`), sha, 'and the job\'s own sha256')
})

tap.test('other kinds and hostless or malformed subjects keep the job\'s sha256', async (t) => {
  const sha = `0x${'CD'.repeat(32)}` as Hex
  const lower = sha.toLowerCase()
  t.equal(rewardItemOf('file', sha, ''), lower, 'a file')
  t.equal(rewardItemOf('ip', sha, '1.2.3.4'), lower, 'an ip is its subject hash already')
  t.equal(rewardItemOf('wallet', sha, 'eip155:1:0x0000000000000000000000000000000000000001'), lower)
  t.equal(rewardItemOf('script', sha, 'ab'.repeat(32)), lower)
  t.equal(rewardItemOf('url', sha, 'data:text/html,<h1>hi</h1>'), lower, 'data: has no host')
  t.equal(rewardItemOf('url', sha, 'javascript:alert(1)'), lower, 'javascript: has no host')
  t.equal(rewardItemOf('url', sha, 'not a url'), lower, 'does not parse')
  t.equal(rewardItemOf('url', sha, ''), lower)
  t.equal(rewardItemOf('domain', sha, ''), lower, 'an empty domain subject')
  t.equal(rewardKeyOf('url', 42 as unknown as string), undefined, 'not a string')
  t.equal(rewardKeyOf('url', 'mailto:a@evil.example'), undefined, 'a scheme with no host')
})

tap.test('the Public Suffix List is pinned: tldts and tldts-core exact in package.json and installed as pinned', async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  for (const name of ['tldts', 'tldts-core']) {
    const pinned = pkg.dependencies[name] ?? ''
    t.match(pinned, /^[0-9]+\.[0-9]+\.[0-9]+$/, `${name} is an exact version, not a range`)
    const installed = (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
    t.equal(installed, pinned, `${name} installed is the pinned one`)
  }
})
