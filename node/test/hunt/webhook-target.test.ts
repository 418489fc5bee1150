// Where hunt webhooks may point (hunt/webhook-target.ts, SPEC 19): public addresses only, unless the operator
// allows private ones; the URL's own rules; and the connection's lookup refusing a name that resolves to a
// private address, so a DNS answer that changes after the webhook was set cannot reach loopback (rebinding).
import tap from 'tap'
import { WebhookError } from '../../src/hunt/webhook-error.ts'
import { checkWebhookTarget, guardedLookup, isPublicAddress, parseWebhookUrl } from '../../src/hunt/webhook-target.ts'

tap.test('addresses: loopback, private, link-local, shared, documentation, multicast and mapped forms are not public', async (t) => {
  const notPublic = ['127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '192.0.2.7', '198.18.0.1', '224.0.0.1', '255.255.255.255',
    '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001:db8::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', 'not-an-ip', '']
  for (const a of notPublic) t.notOk(isPublicAddress(a), a)
  for (const a of ['1.1.1.1', '8.8.8.8', '172.32.0.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001::1', '::ffff:1.1.1.1']) t.ok(isPublicAddress(a), a)
})

const code = (f: () => unknown): string | undefined => { try { f(); return undefined } catch (err) { return (err as WebhookError).code } }
const resolveLocalhost = async (allow: boolean, all: boolean): Promise<unknown> => await new Promise((res, rej) => {
  guardedLookup(allow)('localhost', { all }, (err, address) => { if (err === null) res(address); else rej(err) })
})

tap.test('URLs: http(s) only, no credentials, bounded; private literals refused unless allowed', async (t) => {
  t.equal(parseWebhookUrl('https://soc.example.com/hook?x=1', false).host, 'soc.example.com')
  for (const bad of ['ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'https://user:pw@example.com/', `https://example.com/${'a'.repeat(2048)}`, 42, undefined, { url: 'https://example.com' }]) {
    t.equal(code(() => parseWebhookUrl(bad, false)), 'BAD_URL', String(bad).slice(0, 40))
  }
  for (const priv of ['http://127.0.0.1:8080/', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:127.0.0.1]/', 'http://10.0.0.5/', 'http://localhost:9/', 'http://a.localhost/', 'http://2130706433/', 'http://0x7f.1/']) {
    t.equal(code(() => parseWebhookUrl(priv, false)), 'PRIVATE_TARGET', priv)
    t.equal(code(() => parseWebhookUrl(priv, true)), undefined, `${priv} allowed by the operator`)
  }
})

tap.test('the lookup a connection uses refuses a name resolving to loopback, and passes it when allowed', async (t) => {
  await t.rejects(resolveLocalhost(false, false), { code: 'PRIVATE_TARGET' })
  await t.rejects(resolveLocalhost(false, true), { code: 'PRIVATE_TARGET' })
  t.match(await resolveLocalhost(true, false), /^(127\.0\.0\.1|::1)$/)
  t.ok(Array.isArray(await resolveLocalhost(true, true)))
  t.throws(() => parseWebhookUrl('http://LOCALHOST./', false), { code: 'PRIVATE_TARGET' }, 'the trailing-dot spelling too')
  await t.rejects(checkWebhookTarget(new URL('http://no-such-host.invalid/'), false), { code: 'UNRESOLVED' })
  t.ok(new WebhookError('BAD_URL', 'x') instanceof Error)
})
