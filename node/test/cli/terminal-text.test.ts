import tap from 'tap'
import { terminalJson, terminalText } from '../../src/cli/terminal-text.ts'
import { jsonCheckedFile, renderCheckedFile } from '../../src/cli/render.ts'
import type { CheckedFile } from '../../src/cli/check-file.ts'
import type { Report } from '#protocol/report-format.ts'

/** Anything a terminal would act on: C0 (but the output's own newlines), DEL, C1, bidi overrides. */
// oxlint-disable-next-line no-control-regex
const DANGEROUS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u

const HOSTILE = [
  '\x1b[2J\x1b[H', // clear the screen
  '\x1b]8;;http://evil.example\x07click\x1b]8;;\x07', // OSC 8 hyperlink
  '\x1b]0;owned\x07', // window title
  '\u009b31m', // C1 CSI
  'ok\rverified: yes', // overwrite a line
  'x\nverified: yes — signed by 4 of 4 members', // fake a line
  'evil\u202efdp.exe', // bidi override
  '\u2067hidden\u2069',
  'a\x7f\x08\x08b'
]

tap.test('terminalText makes every control and bidi override visible and keeps ordinary text', async t => {
  t.equal(terminalText('\x1b[2J'), '\\x1b[2J')
  t.equal(terminalText('\u009b'), '\\x9b')
  t.equal(terminalText('a\u202eb'), 'a\\u202eb')
  t.equal(terminalText('l1\nl2'), 'l1\\x0al2')
  t.equal(terminalText('\ud800'), '\\ud800', 'a lone surrogate')
  t.equal(terminalText('Rechnung März 請求書 🙂'), 'Rechnung März 請求書 🙂')
  t.equal(terminalText(42), '42')
  t.equal(terminalText(undefined), 'undefined')
  for (const s of HOSTILE) t.notMatch(terminalText(s), DANGEROUS, JSON.stringify(s))
})

tap.test('terminalJson escapes what JSON.stringify lets through and parses back to the same value', async t => {
  const value = { names: HOSTILE, n: 1, nested: { s: '\u0085\u202e' } }
  const json = terminalJson(value, 2)
  t.notMatch(json, DANGEROUS)
  t.same(JSON.parse(json), value)
  t.ok(JSON.stringify(value).includes('\u009b'), 'plain JSON.stringify would have let the C1 CSI through')
})

function hostileFile (): CheckedFile {
  const evil = HOSTILE.join('|')
  const results: Report['results'] = {
    [`Engine${evil}`]: { category: 'malicious', result: `Trojan${evil}`, engineVersion: `1${evil}`, engineUpdate: `2${evil}`, members: ['0x01'] }
  } as unknown as Report['results']
  const report = {
    jobId: `0xjob${evil}`,
    memberCount: 4,
    results,
    stats: { malicious: 1, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 }
  } as unknown as Report
  return {
    file: { data: { id: `id${evil}`, type: 'file', attributes: { names: HOSTILE, sha256: `sha${evil}`, size: `1${evil}`, type_description: `PE${evil}` } } } as unknown as CheckedFile['file'],
    report,
    verification: { verified: false, memberCount: 4, quorum: 3, membershipBlock: 7, problems: [{ code: 'BAD_SIGNATURE', detail: `detail${evil}` }] } as unknown as CheckedFile['verification']
  }
}

tap.test('lookup output: names, engine names, labels, versions and problems from a hostile server reach no terminal raw', async t => {
  const checked = hostileFile()
  const text = renderCheckedFile(checked)
  t.notMatch(text, DANGEROUS)
  t.match(text, /\\x1b\[2J/, 'the escape is shown, not run')
  t.match(text, /evil\\u202efdp\.exe/)
  t.equal(text.split('\n').filter((l) => l.startsWith('verified:')).length, 1, 'no faked verification line')
  t.match(text, /^verified: NO/m)
  const json = jsonCheckedFile(checked)
  t.notMatch(json, DANGEROUS)
  t.same(JSON.parse(json).data.attributes.names, HOSTILE, '--json keeps the exact values for scripts')
})
