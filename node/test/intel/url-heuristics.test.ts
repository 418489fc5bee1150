import tap from 'tap'
import { judgeUrl, urlFindings } from '../../src/intel/url-heuristics.ts'

const names = (url: string): string[] => urlFindings(url).map((f) => f.name)

tap.test('conclusive findings make a URL malicious on their own', async (t) => {
  t.same(judgeUrl('javascript:alert(document.cookie)'), { category: 'malicious', result: 'javascript-url' })
  t.same(judgeUrl('data:text/html;base64,PHNjcmlwdD4='), { category: 'malicious', result: 'data-url-document' })
  t.same(judgeUrl('data:image/svg+xml,<svg onload=alert(1)>'), { category: 'malicious', result: 'data-url-document' })
  t.same(judgeUrl('http://metamask.io@evil.example/'), { category: 'malicious', result: 'deceptive-userinfo' })
})

tap.test('weak findings add up; alone they stay undetected', async (t) => {
  t.same(names('http://203.0.113.9/login'), ['ip-host'])
  t.equal(judgeUrl('http://203.0.113.9/login').category, 'undetected')
  t.same(judgeUrl('http://203.0.113.9:8080/wallet.php'), { category: 'suspicious', result: 'ip-host+non-standard-port' })
  t.equal(judgeUrl('http://user:secret@example.com/').result, 'credentials-in-url')
  t.ok(names('http://a.b.c.d.e.example.com/').includes('deep-subdomain'))
  t.ok(names(`http://example.com/${'%41'.repeat(20)}`).includes('encoded-path'))
  t.ok(names(`http://example.com/p/${'aB3'.repeat(30)}`).includes('encoded-segment'))
  t.ok(names('https://example.com/r?next=https://evil.example/').includes('url-in-query'))
  t.ok(names('http://example.zip/').includes('abused-tld'))
  t.ok(names('http://xn--mtamask-7gg.io/').includes('punycode-host'))
  t.equal(judgeUrl('http://secure-login.xyz:8443/a?u=https%3A%2F%2Fx').category, 'suspicious')
})

tap.test('ordinary URLs are not flagged', async (t) => {
  for (const url of [
    'https://www.google.com/search?q=virusmap', 'https://github.com/ChainSafe/lodestar/blob/unstable/packages/beacon-node/src/network/gossip/handlers/index.ts',
    'http://127.0.0.1:8545/', 'http://[::1]:8080/', 'https://en.wikipedia.org/wiki/Homoglyph', 'https://example.com/a-long-article-slug-about-something-happening-in-the-world-today-and-tomorrow-and-after',
    'data:image/png;base64,iVBORw0KGgo=', 'ftp://ftp.debian.org/debian/'
  ]) t.equal(judgeUrl(url).category, 'undetected', url)
})

tap.test('hostile input: garbage, huge and odd URLs never throw', async (t) => {
  for (const url of ['', 'not a url', 'http://', 'http://%zz@x.com/', `http://x.com/${'%'.repeat(5000)}`, `http://x.com/?${'a=b&'.repeat(2000)}`, 'http://\u0000/', 'mailto:a@b']) {
    t.doesNotThrow(() => judgeUrl(url), JSON.stringify(url.slice(0, 30)))
  }
})
