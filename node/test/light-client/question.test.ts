import tap from 'tap'
import { indicatorDigests } from '#protocol/index.ts'
import type { Hex, Report, ScanJob } from '#protocol/index.ts'
import { checkQuestion } from '../../src/light-client/question.ts'
import type { Question } from '../../src/light-client/question.ts'
import { hashes } from '../fixtures/signed-reports.ts'

// checkQuestion reads only the job: a bare job is enough to hold it to what was asked
const H = hashes(new TextEncoder().encode('the file that was asked about'))
const fileJob = { job: { job: { kind: 'file', subject: '', sha256: H.sha256, sha1: H.sha1, md5: H.md5 } } } as unknown as Report
const indicatorJob = (kind: string, subject: string): Report =>
  ({ job: { job: { kind, subject, ...indicatorDigests(subject) } as unknown as ScanJob } }) as unknown as Report
const code = (report: Report, asked: Question): string | undefined => checkQuestion(report, asked)?.code

tap.test('a hash matches the job\'s field of its length, in any case, with or without 0x', async (t) => {
  for (const hash of [H.sha256, H.sha1, H.md5, H.sha256.slice(2), H.md5.toUpperCase().replace('0X', '0x'), `0X${H.sha1.slice(2).toUpperCase()}`]) {
    t.equal(code(fileJob, { hash }), undefined, hash)
  }
})

tap.test('hostile or wrong hashes match nothing', async (t) => {
  const other = hashes(new TextEncoder().encode('another file'))
  const cases: Array<[string, string]> = [
    ['another file\'s sha256', other.sha256],
    ['the sha256 cut to sha1 length', H.sha256.slice(0, 42)],
    ['the sha256 cut to md5 length', H.sha256.slice(0, 34)],
    ['one digit short', H.sha256.slice(0, -1)],
    ['one digit more', `${H.sha256}0`],
    ['non-hex of the right length', `0x${'g'.repeat(64)}`],
    ['fullwidth digits', H.md5.slice(2).replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)))],
    ['whitespace around it', ` ${H.sha256} `],
    ['empty', ''],
    ['0x alone', '0x'],
    ['double prefix', `0x${H.sha256}`]
  ]
  for (const [what, hash] of cases) t.equal(code(fileJob, { hash }), 'QUESTION_MISMATCH', what)
  t.equal(code(fileJob, { hash: 42 as unknown as string }), 'QUESTION_MISMATCH', 'not a string')
  t.equal(code(indicatorJob('url', 'http://a.example/'), { hash: indicatorDigests('http://a.example/').sha256 }), 'QUESTION_MISMATCH', 'a hash asks about a file, not the indicator with that sha256')
  t.equal(code({ job: null } as unknown as Report, { hash: H.sha256 }), 'QUESTION_MISMATCH', 'a report without a job')
  t.equal(code(null as unknown as Report, { hash: H.sha256 }), 'QUESTION_MISMATCH', 'no report at all')
})

tap.test('an indicator is canonicalized first, then must be the job\'s kind and subject exactly', async (t) => {
  t.equal(code(indicatorJob('url', 'http://phish.example/'), { kind: 'url', subject: 'HTTP://PHISH.example:80/#frag' }), undefined)
  t.equal(code(indicatorJob('domain', 'paypal.com'), { kind: 'domain', subject: 'PayPal.COM.' }), undefined)
  t.equal(code(indicatorJob('domain', 'paypal.com'), { kind: 'domain', subject: 'ｐａｙｐａｌ.com' }), undefined, 'fullwidth letters are the same name under IDNA mapping')
  t.equal(code(indicatorJob('wallet', `eip155:1:0x${'ab'.repeat(20)}`), { kind: 'wallet', subject: `0x${'AB'.repeat(20)}` }), undefined)
})

tap.test('look-alike and hostile indicators match nothing', async (t) => {
  const paypal = indicatorJob('domain', 'paypal.com')
  const cases: Array<[string, Question]> = [
    ['a Cyrillic а', { kind: 'domain', subject: 'pаypal.com' }],
    ['a Greek ο', { kind: 'domain', subject: 'paypal.cοm' }],
    ['a zero-width joiner', { kind: 'domain', subject: 'pay\u200dpal.com' }],
    ['a right-to-left override', { kind: 'domain', subject: '\u202epaypal.com' }],
    ['a control character', { kind: 'domain', subject: 'paypal.com\u0000' }],
    ['a subdomain', { kind: 'domain', subject: 'www.paypal.com' }],
    ['the same subject as a URL', { kind: 'url', subject: 'paypal.com' }],
    ['an unknown kind', { kind: 'file' as 'url', subject: 'paypal.com' }],
    ['a prototype key as kind', { kind: '__proto__' as 'url', subject: 'paypal.com' }],
    ['not a string', { kind: 'domain', subject: 7 as unknown as string }],
    ['empty', { kind: 'domain', subject: '' }],
    ['too long', { kind: 'domain', subject: `${'a'.repeat(63)}.`.repeat(100) + 'com' }]
  ]
  for (const [what, asked] of cases) t.equal(code(paypal, asked), 'QUESTION_MISMATCH', what)
  t.equal(code(indicatorJob('domain', 'PAYPAL.com'), { kind: 'domain', subject: 'paypal.com' }), 'QUESTION_MISMATCH', 'a job whose subject is not canonical matches no canonical question')
  t.equal(code(fileJob, { kind: 'url', subject: '' }), 'QUESTION_MISMATCH', 'a file job answers no indicator')
  t.equal(code(indicatorJob('script', 'ab'.repeat(32) as Hex), { hash: `0x${'ab'.repeat(32)}` }), 'QUESTION_MISMATCH', 'a script\'s hash is asked as a script, not as a file')
})
