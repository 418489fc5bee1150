import tap from 'tap'
import { computeCommitment, scanJobId, signCommitment, signScanJob, validateCommitment, validateScanJob, validateVerdict, verdictHash } from '../src/index.ts'
import type { Hex, ValidationAction, ValidationCode } from '../src/index.ts'
import { CHAIN_ID, makeContext, makeReveal, makeSignedJob, member, NOW, OUTSIDER, REGISTRY, result } from './fixtures.ts'

const fails = (action: ValidationAction, code: ValidationCode) => ({ name: 'GossipValidationError', action, code })
const signedJob = await makeSignedJob()
const { job } = signedJob
const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
const voter = member(1)
const { commit, reveal } = await makeReveal(job, voter, [result('yara', 'malicious', 'Evil')])
const revealTime = job.commitDeadline + 1000
const zeroSig: Hex = `0x${'00'.repeat(65)}`

tap.test('scan job', async t => {
  t.test('valid job returns its id and origin', async st => {
    st.same(validateScanJob(signedJob, makeContext()), { jobId, origin: member(0).address })
  })
  t.test('DUPLICATE (ignore): job already known', async st => {
    st.throws(() => validateScanJob(signedJob, makeContext({ jobs: [job] })), fails('ignore', 'DUPLICATE'))
  })
  t.test('FUTURE_MEMBERSHIP_BLOCK (ignore): block past the followed head', async st => {
    const msg = await makeSignedJob({ membershipBlock: 13 })
    st.throws(() => validateScanJob(msg, makeContext()), fails('ignore', 'FUTURE_MEMBERSHIP_BLOCK'))
  })
  t.test('SAMPLE_TOO_LARGE (reject)', async st => {
    const msg = await makeSignedJob({ size: 32 * 1024 * 1024 + 1 })
    st.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'SAMPLE_TOO_LARGE'))
  })
  t.test('BAD_DEADLINES (reject): windows out of order', async st => {
    for (const over of [{ commitDeadline: NOW }, { revealDeadline: NOW + 60_000 }, { createdAt: NOW + 90_000 }]) {
      st.throws(() => validateScanJob({ ...signedJob, job: { ...job, ...over } }, makeContext()), fails('reject', 'BAD_DEADLINES'))
    }
  })
  t.test('BAD_DEADLINES (ignore): created beyond the clock skew in the future', async st => {
    st.throws(() => validateScanJob(signedJob, makeContext({ now: NOW - 2001 })), fails('ignore', 'BAD_DEADLINES'))
    st.ok(validateScanJob(signedJob, makeContext({ now: NOW - 2000 })), 'within skew is fine')
  })
  t.test('STALE (ignore): reveal window already closed', async st => {
    st.throws(() => validateScanJob(signedJob, makeContext({ now: job.revealDeadline + 2001 })), fails('ignore', 'STALE'))
  })
  t.test('NOT_MEMBER (reject): origin is not a member', async st => {
    const msg = await makeSignedJob({ origin: OUTSIDER.address }, OUTSIDER)
    st.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'NOT_MEMBER'))
  })
  t.test('MISSING_KEY_WRAP (reject): a member missing, an extra, or out of order', async st => {
    const wraps = job.keyWraps
    const variants = [
      wraps.slice(1),
      [...wraps, { member: OUTSIDER.address, wrappedKey: (wraps[0] as { wrappedKey: Hex }).wrappedKey }],
      wraps.toReversed(),
      [wraps[0], ...wraps.slice(0, -1)]
    ]
    for (const keyWraps of variants) {
      const msg = await makeSignedJob({ keyWraps: keyWraps as typeof wraps })
      st.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'MISSING_KEY_WRAP'))
    }
  })
  t.test('BAD_SIGNATURE (reject): signature does not recover', async st => {
    st.throws(() => validateScanJob({ ...signedJob, signature: zeroSig }, makeContext()), fails('reject', 'BAD_SIGNATURE'))
  })
  t.test('SIGNER_MISMATCH (reject): signed by another member', async st => {
    const msg = await makeSignedJob({}, member(1))
    st.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'SIGNER_MISMATCH'))
  })
  t.test('a job signed for another domain fails as SIGNER_MISMATCH (the domain is not on the wire)', async st => {
    const otherChain = await signScanJob(job, CHAIN_ID + 1, REGISTRY, member(0).wallet)
    st.throws(() => validateScanJob(otherChain, makeContext()), fails('reject', 'SIGNER_MISMATCH'))
  })
})

tap.test('commitment', async t => {
  t.test('valid commitment returns job id and member', async st => {
    st.same(validateCommitment(commit, makeContext({ jobs: [job] })), { jobId, member: voter.address })
  })
  t.test('UNKNOWN_JOB (ignore)', async st => {
    st.throws(() => validateCommitment(commit, makeContext()), fails('ignore', 'UNKNOWN_JOB'))
  })
  t.test('STALE (ignore): after commitDeadline + skew', async st => {
    st.throws(() => validateCommitment(commit, makeContext({ jobs: [job], now: job.commitDeadline + 2001 })), fails('ignore', 'STALE'))
    st.ok(validateCommitment(commit, makeContext({ jobs: [job], now: job.commitDeadline + 2000 })), 'within skew is fine')
  })
  t.test('NOT_MEMBER (reject)', async st => {
    const c = { ...commit.commitment, member: OUTSIDER.address }
    const msg = await signCommitment(c, CHAIN_ID, REGISTRY, OUTSIDER.wallet)
    st.throws(() => validateCommitment(msg, makeContext({ jobs: [job] })), fails('reject', 'NOT_MEMBER'))
  })
  t.test('DUPLICATE (ignore): same commitment again', async st => {
    const ctx = makeContext({ jobs: [job], commitments: [[jobId, voter.address, commit.commitment.commitment]] })
    st.throws(() => validateCommitment(commit, ctx), fails('ignore', 'DUPLICATE'))
  })
  t.test('EQUIVOCATION (reject): a second, different signed commitment', async st => {
    const ctx = makeContext({ jobs: [job], commitments: [[jobId, voter.address, `0x${'ab'.repeat(32)}`]] })
    st.throws(() => validateCommitment(commit, ctx), fails('reject', 'EQUIVOCATION'))
  })
  t.test('an unsigned "equivocation" is a bad signature, not evidence', async st => {
    const ctx = makeContext({ jobs: [job], commitments: [[jobId, voter.address, `0x${'ab'.repeat(32)}`]] })
    st.throws(() => validateCommitment({ ...commit, signature: zeroSig }, ctx), fails('reject', 'BAD_SIGNATURE'))
  })
  t.test('BAD_SIGNATURE (reject)', async st => {
    st.throws(() => validateCommitment({ ...commit, signature: zeroSig }, makeContext({ jobs: [job] })), fails('reject', 'BAD_SIGNATURE'))
  })
  t.test('SIGNER_MISMATCH (reject): signed by another member', async st => {
    const msg = await signCommitment(commit.commitment, CHAIN_ID, REGISTRY, member(2).wallet)
    st.throws(() => validateCommitment(msg, makeContext({ jobs: [job] })), fails('reject', 'SIGNER_MISMATCH'))
  })
})

/** A node that knows the job and the voter's commitment, inside the reveal window. */
const committed = (over: Parameters<typeof makeContext>[0] = {}) => makeContext({
  jobs: [job], now: revealTime, commitments: [[jobId, voter.address, commit.commitment.commitment]], ...over
})

tap.test('verdict', async t => {
  t.test('valid reveal returns job id, member and verdict hash', async st => {
    st.same(validateVerdict(reveal, committed()), { jobId, member: voter.address, verdictHash: verdictHash(reveal.verdict) })
  })
  t.test('UNKNOWN_JOB (ignore)', async st => {
    st.throws(() => validateVerdict(reveal, committed({ jobs: [] })), fails('ignore', 'UNKNOWN_JOB'))
  })
  t.test('JOB_MISMATCH (reject): sha256 or membership block differs from the job', async st => {
    const badSha = { ...reveal, verdict: { ...reveal.verdict, sha256: `0x${'01'.repeat(32)}` as Hex } }
    const badBlock = { ...reveal, verdict: { ...reveal.verdict, membershipBlock: 11 } }
    st.throws(() => validateVerdict(badSha, committed()), fails('reject', 'JOB_MISMATCH'))
    st.throws(() => validateVerdict(badBlock, committed()), fails('reject', 'JOB_MISMATCH'))
  })
  t.test('EARLY_REVEAL (reject): before commitDeadline - skew', async st => {
    st.throws(() => validateVerdict(reveal, committed({ now: job.commitDeadline - 2001 })), fails('reject', 'EARLY_REVEAL'))
    st.ok(validateVerdict(reveal, committed({ now: job.commitDeadline - 2000 })), 'within skew is fine')
  })
  t.test('STALE (ignore): after revealDeadline + skew', async st => {
    st.throws(() => validateVerdict(reveal, committed({ now: job.revealDeadline + 2001 })), fails('ignore', 'STALE'))
  })
  t.test('NOT_MEMBER (reject)', async st => {
    const outsider = await makeReveal(job, OUTSIDER, [])
    st.throws(() => validateVerdict(outsider.reveal, committed()), fails('reject', 'NOT_MEMBER'))
  })
  t.test('DUPLICATE (ignore): same verdict again', async st => {
    const ctx = committed({ verdictHashes: [[jobId, voter.address, verdictHash(reveal.verdict)]] })
    st.throws(() => validateVerdict(reveal, ctx), fails('ignore', 'DUPLICATE'))
  })
  t.test('NO_COMMITMENT (ignore)', async st => {
    st.throws(() => validateVerdict(reveal, committed({ commitments: [] })), fails('ignore', 'NO_COMMITMENT'))
  })
  t.test('BAD_SIGNATURE (reject)', async st => {
    st.throws(() => validateVerdict({ ...reveal, signature: zeroSig }, committed()), fails('reject', 'BAD_SIGNATURE'))
  })
  t.test('SIGNER_MISMATCH (reject): member field names someone else', async st => {
    const other = await makeReveal(job, member(2), [])
    const ctx = committed({ commitments: [[jobId, member(2).address, other.commit.commitment.commitment]] })
    st.throws(() => validateVerdict({ ...other.reveal, signature: reveal.signature }, ctx), fails('reject', 'SIGNER_MISMATCH'))
  })
  t.test('COMMITMENT_MISMATCH (reject): wrong salt or changed verdict', async st => {
    const wrongSalt = { ...reveal, salt: `0x${'00'.repeat(32)}` as Hex }
    st.throws(() => validateVerdict(wrongSalt, committed()), fails('reject', 'COMMITMENT_MISMATCH'))
    const changed = await makeReveal(job, voter, [result('yara', 'undetected')])
    st.throws(() => validateVerdict(changed.reveal, committed()), fails('reject', 'COMMITMENT_MISMATCH'))
    st.equal(computeCommitment(reveal.verdict, reveal.salt), commit.commitment.commitment, 'the right salt opens it')
  })
})

tap.test('validators are pure: the same input gives the same answer', async t => {
  const ctx = makeContext()
  t.same(validateScanJob(signedJob, ctx), validateScanJob(signedJob, ctx))
  t.same(validateScanJob(signedJob, ctx), validateScanJob(structuredClone(signedJob), ctx))
})
