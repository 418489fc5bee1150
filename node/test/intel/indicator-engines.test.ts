import { createHash } from 'node:crypto'
import tap from 'tap'
import { createLookalikeEngine } from '../../src/intel/lookalike-engine.ts'
import { createUrlHeuristicsEngine } from '../../src/intel/url-heuristics-engine.ts'
import { engineCompliance } from '../scan/engine-compliance.ts'
import type { ScanInput } from '../../src/scan/engine.ts'

const subject = (kind: ScanInput['kind'], text: string | Uint8Array): ScanInput => {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text
  return { bytes, sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`, kind, fileType: kind }
}

tap.test('the look-alike engine passes the engine compliance test', async (t) => {
  engineCompliance(t, { create: () => createLookalikeEngine(), detected: subject('domain', 'xn--mtamask-7gg.io'), clean: subject('domain', 'metamask.io') })
})

tap.test('the URL heuristics engine passes the engine compliance test', async (t) => {
  engineCompliance(t, { create: () => createUrlHeuristicsEngine(), detected: subject('url', 'javascript:alert(1)'), clean: subject('url', 'https://example.com/') })
})

tap.test('look-alike engine judges a URL by its host; files and wallets are not its kind', async (t) => {
  const engine = createLookalikeEngine()
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  t.match(await engine.scan(subject('url', 'https://metamask.io.claim.xyz/connect')), { category: 'malicious', result: 'deceptive-subdomain:metamask.io', method: 'heuristic' })
  t.match(await engine.scan(subject('url', 'data:text/html,hi')), { category: 'undetected', result: '' }, 'no host, nothing to imitate')
  t.equal((await engine.scan(subject('file', 'rnetamask.io'))).category, 'type-unsupported')
  t.equal((await engine.scan(subject('wallet', 'eip155:1:0x0000000000000000000000000000000000000000'))).category, 'type-unsupported')
})

tap.test('hostile subjects get an answer, never an exception', async (t) => {
  const engines = [createLookalikeEngine(), createUrlHeuristicsEngine()]
  for (const e of engines) await e.start()
  t.teardown(async () => { for (const e of engines) await e.stop() })
  const hostile = [
    subject('url', 'x'.repeat(1 << 20)), subject('domain', 'a'.repeat(5000)), subject('url', new Uint8Array([0xff, 0xfe, 0x00, 0x80])),
    subject('domain', ''), subject('url', 'http://[::1'), subject('domain', 'exa mple.com'), subject('url', `http://${'a.'.repeat(1000)}com/`)
  ]
  for (const e of engines) {
    for (const input of hostile) {
      const r = await e.scan(input)
      t.ok(['undetected', 'harmless', 'suspicious', 'malicious', 'type-unsupported'].includes(r.category), `${e.name}: ${r.category}`)
    }
  }
})
