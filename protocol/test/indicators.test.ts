import tap from 'tap'
import { createHash } from 'node:crypto'
import {
  canonicalIndicatorOr, canonicalizeIndicator, indicatorDigests, indicatorSha256, IndicatorError, INDICATOR_KINDS, isIndicatorKind, urlFromVtId, urlNetworkLocation, vtUrlId
} from '../src/index.ts'
import type { IndicatorCode, IndicatorKind } from '../src/index.ts'

const fails = (code: IndicatorCode) => ({ name: 'IndicatorError', code })
const c = canonicalizeIndicator

tap.test('urls', async t => {
  const cases: Array<[string, string]> = [
    ['Example.COM', 'http://example.com/'],
    ['  example.com/a?b=1  ', 'http://example.com/a?b=1'],
    ['example.com:8080/x', 'http://example.com:8080/x'],
    ['HTTP://EXAMPLE.com:80/Path#frag', 'http://example.com/Path'],
    ['https://example.com:443', 'https://example.com/'],
    ['ftp://files.example.org:21/a', 'ftp://files.example.org/a'],
    ['http://user:pw@1.2.3.4/', 'http://user:pw@1.2.3.4/'],
    ['http://0x7f.1/', 'http://127.0.0.1/'],
    ['http://[2001:DB8::1]:8080/', 'http://[2001:db8::1]:8080/'],
    ['https://bücher.example/ä', 'https://xn--bcher-kva.example/%C3%A4'],
    ['javascript:alert(1)#x', 'javascript:alert(1)#x'],
    ['data:text/html,<h1>hi there</h1>', 'data:text/html,<h1>hi there</h1>']
  ]
  for (const [raw, canonical] of cases) {
    t.equal(c('url', raw), canonical, raw)
    t.equal(c('url', canonical), canonical, `${raw}: canonical form is a fixed point`)
  }
  t.not(c('url', 'https://раypal.com/'), c('url', 'https://paypal.com/'), 'a Cyrillic homograph stays apart, punycoded')
  t.equal(c('url', 'https://раypal.com/'), 'https://xn--ypal-43d9g.com/')
  for (const raw of ['mailto:a@b.c', 'file:///etc/passwd', 'gopher://x.y/', 'chrome://settings']) t.throws(() => c('url', raw), fails('INDICATOR_UNSUPPORTED_SCHEME'), raw)
  for (const raw of ['', '   ', 'http://', 'http://exa\nmple.com/', 'http://a.com/\u0000', 'http://a.com/\u0085', 'http://a b.com/', 'http://[::1/', 'http://a.com/\ud800']) {
    t.throws(() => c('url', raw), fails('INDICATOR_MALFORMED'), JSON.stringify(raw))
  }
  t.throws(() => c('url', `http://a.com/${'x'.repeat(2048)}`), fails('INDICATOR_TOO_LONG'), 'over 2048 bytes once canonical')
  t.throws(() => c('url', `http://a.com/${'ä'.repeat(400)}`), fails('INDICATOR_TOO_LONG'), 'percent-encoding grows it past 2048')
  t.throws(() => c('url', 'x'.repeat(10_000_000)), fails('INDICATOR_TOO_LONG'), '10 MB is refused before parsing')
  t.ok(c('url', `http://a.com/${'x'.repeat(2048 - 'http://a.com/'.length)}`), 'exactly 2048 bytes')
})

tap.test('domains', async t => {
  const cases: Array<[string, string]> = [
    ['Example.COM.', 'example.com'],
    ['sub.EXAMPLE.co.uk', 'sub.example.co.uk'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['раypal.com', 'xn--ypal-43d9g.com'],
    ['ＥＸＡＭＰＬＥ．com', 'example.com'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example']
  ]
  for (const [raw, canonical] of cases) {
    t.equal(c('domain', raw), canonical, raw)
    t.equal(c('domain', canonical), canonical, `${raw}: fixed point`)
  }
  const bad = ['localhost', '1.2.3.4', '0x7f.1', '127.1', '[::1]', 'example.123', '-a.com', 'a-.com', 'a_b.com', 'a..com', '.com',
    'evil.com/path', 'user@evil.com', 'evil.com:80', 'exa%6dple.com', 'a b.com', 'a.com\u0000', 'a.com..']
  for (const raw of bad) t.throws(() => c('domain', raw), fails('INDICATOR_MALFORMED'), JSON.stringify(raw))
  t.throws(() => c('domain', `${'a'.repeat(64)}.com`), fails('INDICATOR_MALFORMED'), '64-character label')
  t.throws(() => c('domain', `${'abcdefghi.'.repeat(26)}com`), fails('INDICATOR_TOO_LONG'), 'over 253 characters')
  t.throws(() => c('domain', 'a.'.repeat(5000)), fails('INDICATOR_TOO_LONG'), 'huge')
})

tap.test('ip addresses', async t => {
  t.equal(c('ip', '8.8.8.8'), '8.8.8.8')
  t.equal(c('ip', ' 0.0.0.0 '), '0.0.0.0')
  t.equal(c('ip', '[2001:DB8:0:0:0:0:0:1]'), '2001:db8::1')
  t.equal(c('ip', '::FFFF:1.2.3.4'), '::ffff:102:304')
  for (const raw of ['01.2.3.4', '1.2.3.04', '0177.0.0.1', '0x7f.0.0.1', '127.1', '256.1.1.1', '1.2.3', '1.2.3.4.5', 'fe80::1%eth0', '1:2:3', 'example.com', '::g', '[1.2.3.4]']) {
    t.throws(() => c('ip', raw), fails('INDICATOR_MALFORMED'), raw)
  }
  t.throws(() => c('ip', '1'.repeat(65)), fails('INDICATOR_TOO_LONG'))
})

tap.test('wallets: CAIP-10, EIP-55 checked', async t => {
  const checksummed = '0x52908400098527886E0F7030069857D2E4169EE7'
  const lower = checksummed.toLowerCase()
  t.equal(c('wallet', checksummed), `eip155:1:${lower}`)
  t.equal(c('wallet', lower), `eip155:1:${lower}`)
  t.equal(c('wallet', `0x${lower.slice(2).toUpperCase()}`), `eip155:1:${lower}`, 'all upper case carries no checksum')
  t.equal(c('wallet', `EIP155:137:${checksummed}`), `eip155:137:${lower}`)
  t.equal(c('wallet', `eip155:1:${lower}`), `eip155:1:${lower}`, 'fixed point')
  t.throws(() => c('wallet', checksummed.replace('E0F', 'e0F')), fails('INDICATOR_CHECKSUM'), 'one letter in the wrong case')
  for (const raw of [lower.slice(0, -1), `${lower}0`, 'eip155:01:' + lower, 'eip155::' + lower, 'bip122:1:' + lower, 'eip155:1:' + lower.slice(2), '0xZZ' + lower.slice(4), `eip155:${'1'.repeat(33)}:${lower}`]) {
    t.throws(() => c('wallet', raw), fails('INDICATOR_MALFORMED'), raw)
  }
})

tap.test('script hashes', async t => {
  const h = createHash('sha256').update('alert(1)').digest('hex')
  t.equal(c('script', h), h)
  t.equal(c('script', `0x${h.toUpperCase()}`), h)
  for (const raw of [h.slice(1), `${h}0`, `0x0x${h}`, 'g'.repeat(64)]) t.throws(() => c('script', raw), fails('INDICATOR_MALFORMED'), raw)
})

tap.test('kinds and input types', async t => {
  t.same(INDICATOR_KINDS.filter(isIndicatorKind), INDICATOR_KINDS)
  t.notOk(isIndicatorKind('file'))
  t.throws(() => c('file' as IndicatorKind, 'x'), fails('INDICATOR_UNKNOWN_KIND'))
  t.throws(() => c('url', 42 as unknown as string), fails('INDICATOR_MALFORMED'))
  t.ok(new IndicatorError('INDICATOR_MALFORMED', 'x') instanceof Error)
})

tap.test('hashes: the sha256 of a URL subject is VirusTotal\'s URL id', async t => {
  const subject = 'http://example.com/'
  const sha = createHash('sha256').update(subject).digest('hex')
  t.equal(indicatorSha256(subject), `0x${sha}`)
  t.same(indicatorDigests('ü'), {
    sha256: `0x${createHash('sha256').update('ü').digest('hex')}`,
    sha1: `0x${createHash('sha1').update('ü').digest('hex')}`,
    md5: `0x${createHash('md5').update('ü').digest('hex')}`,
    size: 2
  })
})

tap.test('VirusTotal base64url URL ids', async t => {
  t.equal(vtUrlId('http://example.com/'), 'aHR0cDovL2V4YW1wbGUuY29tLw')
  t.equal(urlFromVtId('aHR0cDovL2V4YW1wbGUuY29tLw'), 'http://example.com/')
  t.equal(urlFromVtId(vtUrlId('HTTP://Example.com')), 'http://example.com/', 'decoded, then canonicalized')
  t.equal(urlFromVtId('aHR0cDovL2V4YW1wbGUuY29tLw=='), 'http://example.com/', 'padding tolerated')
  for (const id of ['', 'a', 'aHR0c+ov', 'aHR0c/ov', '!!!!', '_w']) t.throws(() => urlFromVtId(id), { name: 'IndicatorError' }, JSON.stringify(id))
  t.throws(() => urlFromVtId(vtUrlId('mailto:a@b.c')), fails('INDICATOR_UNSUPPORTED_SCHEME'))
  t.throws(() => urlFromVtId('x'.repeat(100_000)), fails('INDICATOR_TOO_LONG'))
})

const loc = (raw: string): ReturnType<typeof urlNetworkLocation> => urlNetworkLocation(c('url', raw))

tap.test('a URL\'s network location: the host as written, canonical, from hostile spellings', async t => {
  t.same(loc('https://WWW.Example.COM/a'), { kind: 'domain', subject: 'www.example.com' }, 'the full host, not the registrable domain')
  t.same(loc('http://user:pass@evil.example:8443/x?y#z'), { kind: 'domain', subject: 'evil.example' }, 'userinfo, port, query and fragment are not the host')
  t.same(loc('http://paypal.com@evil.example/'), { kind: 'domain', subject: 'evil.example' }, 'the name before @ is userinfo')
  t.same(loc('http://example.com./'), { kind: 'domain', subject: 'example.com' }, 'a trailing dot is dropped')
  t.same(loc('http://pаypal.com/'), { kind: 'domain', subject: 'xn--pypal-4ve.com' }, 'an IDN homograph is its punycode name')
  t.same(loc('http://xn--pypal-4ve.com/'), { kind: 'domain', subject: 'xn--pypal-4ve.com' })
  t.same(loc('http://ex%61mple.com/'), { kind: 'domain', subject: 'example.com' }, 'percent-escapes in the host are decoded')
  t.same(loc('example.org:8080/login'), { kind: 'domain', subject: 'example.org' }, 'no scheme')
  t.same(loc('ftp://files.example/pub'), { kind: 'domain', subject: 'files.example' })
  t.same(loc('http://192.0.2.7:81/'), { kind: 'ip', subject: '192.0.2.7' })
  t.same(loc('http://0xc0.0.2.7/'), { kind: 'ip', subject: '192.0.2.7' }, 'a legacy IPv4 spelling is the dotted quad')
  t.same(loc('http://3221225991/'), { kind: 'ip', subject: '192.0.2.7' })
  t.same(loc('http://[2001:DB8:0:0::1]:8080/'), { kind: 'ip', subject: '2001:db8::1' }, 'an IPv6 literal without brackets')
  t.same(loc('http://[::ffff:192.0.2.7]/'), { kind: 'ip', subject: '::ffff:c000:207' })
  t.same(loc('http://192.0.2.7./'), { kind: 'ip', subject: '192.0.2.7' }, 'an IPv4 literal with a trailing dot')
  t.same(loc('http://example.com%2e/'), { kind: 'domain', subject: 'example.com' }, 'an escaped trailing dot')
  t.same(loc('http://EXAMPLE.com\u3002/'), { kind: 'domain', subject: 'example.com' }, 'an ideographic full stop is a dot')
  t.same(loc('http://ex\u00adample.com/'), { kind: 'domain', subject: 'example.com' }, 'a soft hyphen is mapped away')
  t.same(loc('http://例え.テスト/'), { kind: 'domain', subject: 'xn--r8jz45g.xn--zckzah' })
  t.same(loc('http://a@b@evil.example/'), { kind: 'domain', subject: 'evil.example' }, 'the last @ ends the userinfo')
  for (const raw of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'http://localhost/', 'http://intranet:8080/', 'http://a_b.example/', 'http://-x.example/']) {
    t.equal(loc(raw), undefined, raw)
  }
  for (const bad of ['', 'not a url', 'http://', 'mailto:a@b.example', 'file:///etc/passwd', `http://${'a'.repeat(70)}.example/`, 'x'.repeat(100_000), 42 as unknown as string]) {
    t.equal(urlNetworkLocation(bad), undefined, String(bad).slice(0, 30))
  }
})

tap.test('canonicalIndicatorOr answers what has no canonical form in the caller\'s terms', async t => {
  t.equal(canonicalIndicatorOr('domain', ' Example.COM. ', () => undefined), 'example.com', 'a canonical form is the answer')
  const hostile: Array<[string, unknown, IndicatorCode]> = [
    ['file', 'a.example', 'INDICATOR_UNKNOWN_KIND'],
    ['__proto__', 'a.example', 'INDICATOR_UNKNOWN_KIND'],
    ['domain', 42, 'INDICATOR_MALFORMED'],
    ['domain', { toString: () => 'a.example' }, 'INDICATOR_MALFORMED'],
    ['domain', 'a\u0000.example', 'INDICATOR_MALFORMED'],
    ['url', 'x'.repeat(100_000), 'INDICATOR_TOO_LONG'],
    ['ip', '999.1.1.1', 'INDICATOR_MALFORMED']
  ]
  for (const [kind, raw, code] of hostile) {
    const seen: IndicatorError[] = []
    t.equal(canonicalIndicatorOr(kind, raw, (err) => { seen.push(err); return undefined }), undefined, `${kind} ${String(raw).slice(0, 20)}`)
    t.equal(seen[0]?.code, code, `${kind}: the IndicatorError is handed over`)
  }
  class CallerError extends Error { readonly code = 'CALLER' }
  t.throws(() => canonicalIndicatorOr('wallet', 'not a wallet', (err) => { throw new CallerError(err.message) }), { code: 'CALLER' }, 'the caller\'s own error is thrown as it is')
})
