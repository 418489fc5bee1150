import tap from 'tap'
import {
  indicatorDigests, scanJobId, signSubmission, submissionDigest, submissionOf, validateScanJob, ZERO_ADDRESS
} from '../src/index.ts'
import type { ScanJob, SignedScanJob, ValidationAction, ValidationCode } from '../src/index.ts'
import { actor, CHAIN_ID, makeContext, makeIndicatorJob, makeSignedJob, member, NOW, REGISTRY, SUBMITTER } from './fixtures.ts'

const fails = (action: ValidationAction, code: ValidationCode) => ({ name: 'GossipValidationError', action, code })
const URL_SUBJECT = 'http://example.com/login'
const signed = async (job: ScanJob) => makeSignedJob(job)
/** validateScanJob's outcome for a message still being signed (t.throws takes a sync function) */
const outcome = async (pending: Promise<SignedScanJob>): Promise<() => unknown> => { const msg = await pending; return () => validateScanJob(msg, makeContext()) }

tap.test('a signed indicator job of every kind is valid', async t => {
  const subjects = {
    url: URL_SUBJECT,
    domain: 'xn--ypal-43d9g.com',
    ip: '2001:db8::1',
    wallet: 'eip155:1:0x52908400098527886e0f7030069857d2e4169ee7',
    script: 'ab'.repeat(32)
  } as const
  for (const [kind, subject] of Object.entries(subjects) as Array<[keyof typeof subjects, string]>) {
    const msg = await signed(await makeIndicatorJob(kind, subject))
    t.same(validateScanJob(msg, makeContext()), {
      jobId: scanJobId(msg.job, CHAIN_ID, REGISTRY), origin: member(0).address, submission: submissionDigest(submissionOf(msg.job), CHAIN_ID, REGISTRY)
    }, kind)
  }
})

tap.test('BAD_SUBJECT (reject): the subject is not canonical or the job is not shaped as an indicator job', async t => {
  const base = await makeIndicatorJob('url', URL_SUBJECT)
  const other = indicatorDigests('http://example.com/other')
  const variants: Array<[string, ScanJob]> = [
    ['non-canonical subject', await makeIndicatorJob('url', 'HTTP://Example.com/login')],
    ['subject of another kind', await makeIndicatorJob('domain', URL_SUBJECT)],
    ['unparseable subject', await makeIndicatorJob('ip', '999.1.1.1')],
    ['sha256 of another subject', await makeIndicatorJob('url', URL_SUBJECT, { sha256: other.sha256 })],
    ['sha1 of another subject', { ...base, sha1: other.sha1 }],
    ['md5 of another subject', { ...base, md5: other.md5 }],
    ['wrong size', { ...base, size: base.size + 1 }],
    ['fileType not the kind', { ...base, fileType: 'text' }],
    ['a CID', { ...base, cid: 'bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba' }],
    ['an ephemeral key', { ...base, ephemeralPublicKey: `0x${'11'.repeat(32)}` }],
    ['key wraps', { ...base, keyWraps: (await makeSignedJob()).job.keyWraps }]
  ]
  for (const [name, job] of variants) {
    const msg = await signed(job)
    t.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'BAD_SUBJECT'), name)
  }
  t.throws(await outcome(makeSignedJob({ subject: URL_SUBJECT })), fails('reject', 'BAD_SUBJECT'), 'a file job with a subject')
  t.throws(await outcome(makeSignedJob({ cid: '' })), fails('reject', 'BAD_SUBJECT'), 'a file job without a CID')
})

tap.test('BAD_SUBMISSION (reject): indicators need their submitter\'s signature', async t => {
  const base = await makeIndicatorJob('url', URL_SUBJECT)
  const forger = actor(8)
  const forged = await signSubmission({ kind: 'url', sha256: base.sha256, context: base.context, submittedAt: base.submittedAt }, CHAIN_ID, REGISTRY, forger.wallet)
  const variants: Array<[string, ScanJob]> = [
    ['anonymous', { ...base, submitter: ZERO_ADDRESS, submitterSignature: '0x', submittedAt: 0 }],
    ['no signature', { ...base, submitterSignature: '0x' }],
    ['signed by someone else', { ...base, submitterSignature: forged }],
    ['context changed after signing', { ...base, context: 'something else' }],
    ['submittedAt changed after signing', { ...base, submittedAt: base.submittedAt + 1 }],
    ['signature that does not recover', { ...base, submitterSignature: `0x${'00'.repeat(65)}` }],
    ['signed for another kind', await makeIndicatorJob('url', URL_SUBJECT, { submitterSignature: await signSubmission({ kind: 'domain', sha256: base.sha256, context: base.context, submittedAt: base.submittedAt }, CHAIN_ID, REGISTRY, SUBMITTER.wallet) })]
  ]
  for (const [name, job] of variants) {
    const msg = await signed(job)
    t.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'BAD_SUBMISSION'), name)
  }
  const otherDomain = await signSubmission({ kind: 'url', sha256: base.sha256, context: base.context, submittedAt: base.submittedAt }, CHAIN_ID + 1, REGISTRY, SUBMITTER.wallet)
  t.throws(await outcome(signed({ ...base, submitterSignature: otherDomain })), fails('reject', 'BAD_SUBMISSION'), 'signed for another chain')
})

tap.test('files: anonymous, or signed by their submitter', async t => {
  t.ok(validateScanJob(await makeSignedJob(), makeContext()), 'anonymous')
  const file = (await makeSignedJob()).job
  const submission = { kind: 'file' as const, sha256: file.sha256, context: 'from my inbox', submittedAt: file.createdAt - 1000 }
  const submitterSignature = await signSubmission(submission, CHAIN_ID, REGISTRY, SUBMITTER.wallet)
  const signedFile = { context: submission.context, submittedAt: submission.submittedAt, submitter: SUBMITTER.address, submitterSignature }
  t.ok(validateScanJob(await makeSignedJob(signedFile), makeContext()), 'signed')
  t.throws(await outcome(makeSignedJob({ ...signedFile, submitter: actor(8).address })), fails('reject', 'BAD_SUBMISSION'), 'wrong submitter')
  t.throws(await outcome(makeSignedJob({ submittedAt: 5 })), fails('reject', 'BAD_SUBMISSION'), 'anonymous with a time')
  t.throws(await outcome(makeSignedJob({ submitterSignature })), fails('reject', 'BAD_SUBMISSION'), 'anonymous with a signature')
})

tap.test('the origin\'s signature is checked before the submitter\'s', async t => {
  const job = await makeIndicatorJob('url', URL_SUBJECT, { submitterSignature: '0x' })
  t.throws(await outcome(makeSignedJob(job, member(1))), fails('reject', 'SIGNER_MISMATCH'))
})

tap.test('DUPLICATE_SUBMISSION (ignore): one signed Submission makes one job', async t => {
  const first = await signed(await makeIndicatorJob('url', URL_SUBJECT))
  const { jobId, submission } = validateScanJob(first, makeContext())
  t.ok(submission)
  const seen = makeContext({ submissions: [[submission as NonNullable<typeof submission>, jobId]] })
  const retried = await signed(await makeIndicatorJob('url', URL_SUBJECT, { createdAt: NOW + 10, commitDeadline: NOW + 60_010, revealDeadline: NOW + 120_010 }))
  t.not(scanJobId(retried.job, CHAIN_ID, REGISTRY), jobId, 'another job')
  t.throws(() => validateScanJob(retried, seen), fails('ignore', 'DUPLICATE_SUBMISSION'), 'the same Submission in a new job')
  const resubmitted = await signed(await makeIndicatorJob('url', URL_SUBJECT, { context: 'seen again' }))
  t.ok(validateScanJob(resubmitted, seen), 'a new Submission (other context) by the same submitter')
  t.throws(() => validateScanJob(first, makeContext({ jobs: [first.job], submissions: [[submission as NonNullable<typeof submission>, jobId]] })),
    fails('ignore', 'DUPLICATE'), 'the same job again is a DUPLICATE')
})
