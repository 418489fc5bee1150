import tap from 'tap'
import { indicatorsFromDetails, MAX_RELATED_INDICATORS } from '../../src/quorum/file-indicators.ts'

tap.test('canonicalizes what engines found and skips what has no canonical form', async (t) => {
  const related = indicatorsFromDetails([
    { indicators: { urls: ['HTTP://Evil.Example/x#f', 'http://evil.example/x', 'mailto:a@b.c', 'http://a b/'], domains: ['Evil.Example.', 'localhost', '1.2.3.4', 42] } },
    undefined,
    null,
    'text',
    { findings: [] },
    { indicators: { urls: 'not an array', domains: null } }
  ])
  t.same(related, [{ kind: 'domain', subject: 'evil.example' }, { kind: 'url', subject: 'http://evil.example/x' }])
})

tap.test('bounded per file', async (t) => {
  const urls = Array.from({ length: 1000 }, (_, i) => `http://host${i}.example/`)
  const related = indicatorsFromDetails([{ indicators: { urls, domains: urls.map((_, i) => `host${i}.example`) } }])
  t.equal(related.length, MAX_RELATED_INDICATORS)
  t.equal(related[0]?.kind, 'domain', 'domains first: a file\'s hosts outlast its many URLs')
})
