import tap from 'tap'
import {
  computeCommitment, DEFAULT_JOB_BOUNDS, reportDigest, scanJobId, signAttestation, signCommitment, signComplaint, signScanJob, signSubmission,
  submissionDigest, validateAttestation, validateCommitment, validateComplaint, validateScanJob, validateVerdict, verdictHash
} from '../src/index.ts'
import type { Hex, ScanJob, SignedAttestation, SignedComplaint, ValidationAction, ValidationCode } from '../src/index.ts'
import {
  CHAIN_ID, makeAttestations, makeContext, makeIndicatorJob, makeReveal, makeSignedJob, member, MEMBERS, MEMBERSHIP_BLOCK, NOW, OUTSIDER, REGISTRY, result, SUBMITTER
} from './fixtures.ts'

const fails = (action: ValidationAction, code: ValidationCode) => ({ name: 'GossipValidationError', action, code })
type State = Parameters<typeof makeContext>[0]
const signedJob = await makeSignedJob()
const { job } = signedJob
const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
const voter = member(1)
const { commit, reveal } = await makeReveal(job, voter, [result('YARA', 'malicious', 'Evil')])
const revealTime = job.commitDeadline + 1000
const zeroSig: Hex = `0x${'00'.repeat(65)}`
const otherDigest: Hex = `0x${'ab'.repeat(32)}`
/** the skew of makeContext's bounds */
const SKEW = 2000
const windows = (commitMs: number, revealMs: number): Partial<ScanJob> => ({ commitDeadline: NOW + commitMs, revealDeadline: NOW + commitMs + revealMs })
/** a context whose followed block is `blocks` past the job's, under a bound of 16 */
const behind = (blocks: number) => ({ ...makeContext(), followedBlock: MEMBERSHIP_BLOCK + blocks, maxJobAgeBlocks: 16 })
const held = (...members: number[]): Array<[Hex, Hex, Hex]> => members.map(i => [jobId, member(i).address, `0x${String(i).repeat(64)}` as Hex])

tap.test('scan job', async t => {
  t.test('valid anonymous file job returns its id and origin', async st => {
    st.same(validateScanJob(signedJob, makeContext()), { jobId, origin: member(0).address })
  })
  t.test('DUPLICATE (ignore): job already known', async st => {
    st.throws(() => validateScanJob(signedJob, makeContext({ jobs: [job] })), fails('ignore', 'DUPLICATE'))
  })
  t.test('FUTURE_MEMBERSHIP_BLOCK (ignore): block past the followed head', async st => {
    const msg = await makeSignedJob({ membershipBlock: 13 })
    st.throws(() => validateScanJob(msg, makeContext()), fails('ignore', 'FUTURE_MEMBERSHIP_BLOCK'))
    st.ok(validateScanJob(await makeSignedJob({ membershipBlock: 12 }), makeContext()), 'the followed block itself')
  })
  t.test('OLD_MEMBERSHIP_BLOCK (ignore): block more than maxJobAgeBlocks behind the followed block', async st => {
    st.ok(validateScanJob(signedJob, behind(16)), 'exactly the bound behind')
    st.throws(() => validateScanJob(signedJob, behind(17)), fails('ignore', 'OLD_MEMBERSHIP_BLOCK'), 'one block more')
    st.throws(() => validateScanJob({ ...signedJob, signature: zeroSig }, behind(17)), fails('ignore', 'OLD_MEMBERSHIP_BLOCK'), 'before the signature is recovered')
    const huge = await makeSignedJob({ size: 32 * 1024 * 1024 + 1 })
    st.throws(() => validateScanJob(huge, behind(1_000_000)), fails('ignore', 'OLD_MEMBERSHIP_BLOCK'), 'before anything that blames the sender')
  })
  t.test('SAMPLE_TOO_LARGE (reject)', async st => {
    const msg = await makeSignedJob({ size: 32 * 1024 * 1024 + 1 })
    st.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'SAMPLE_TOO_LARGE'))
    st.ok(validateScanJob(await makeSignedJob({ size: 32 * 1024 * 1024 }), makeContext()), 'exactly the limit')
  })
  t.test('BAD_DEADLINES (reject): windows out of order', async st => {
    for (const over of [{ commitDeadline: NOW }, { revealDeadline: NOW + 60_000 }, { createdAt: NOW + 90_000 }, { commitDeadline: NOW - 1 }]) {
      st.throws(() => validateScanJob({ ...signedJob, job: { ...job, ...over } }, makeContext()), fails('reject', 'BAD_DEADLINES'), JSON.stringify(over))
    }
  })
  t.test('BAD_DEADLINES (reject): a window outside the chain\'s bounds', async st => {
    const { minCommitWindowMs, maxCommitWindowMs, minRevealWindowMs, maxRevealWindowMs } = DEFAULT_JOB_BOUNDS
    const outside: Array<[string, Partial<ScanJob>]> = [
      ['commit window below the least', windows(minCommitWindowMs - 1, 10_000)],
      ['commit window above the most', windows(maxCommitWindowMs + 1, 10_000)],
      ['reveal window below the least', windows(10_000, minRevealWindowMs - 1)],
      ['reveal window too long', windows(10_000, maxRevealWindowMs + 1)],
      ['a day-long commit window', windows(86_400_000, 10_000)]
    ]
    for (const [name, over] of outside) {
      const msg = await makeSignedJob(over)
      st.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'BAD_DEADLINES'), name)
    }
    const edges: Array<[string, Partial<ScanJob>]> = [
      ['least windows', windows(minCommitWindowMs, minRevealWindowMs)],
      ['most windows', windows(maxCommitWindowMs, maxRevealWindowMs)]
    ]
    for (const [name, over] of edges) st.ok(validateScanJob(await makeSignedJob(over), makeContext()), name)
    const tight = { ...makeContext(), boundsAt: () => ({ ...DEFAULT_JOB_BOUNDS, maxCommitWindowMs: 30_000 }) }
    st.throws(() => validateScanJob(signedJob, tight), fails('reject', 'BAD_DEADLINES'), 'the bounds at the job\'s block decide')
  })
  t.test('BAD_DEADLINES (ignore): created beyond the clock skew in the future', async st => {
    st.throws(() => validateScanJob(signedJob, makeContext({ now: NOW - SKEW - 1 })), fails('ignore', 'BAD_DEADLINES'))
    st.ok(validateScanJob(signedJob, makeContext({ now: NOW - SKEW })), 'within skew is fine')
  })
  t.test('STALE (ignore): reveal window already closed', async st => {
    st.throws(() => validateScanJob(signedJob, makeContext({ now: job.revealDeadline + SKEW + 1 })), fails('ignore', 'STALE'))
    st.ok(validateScanJob(signedJob, makeContext({ now: job.revealDeadline + SKEW })), 'within skew is fine')
  })
  t.test('NOT_MEMBER (reject): origin is not a member', async st => {
    const msg = await makeSignedJob({ origin: OUTSIDER.address }, OUTSIDER)
    st.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'NOT_MEMBER'))
    st.throws(() => validateScanJob({ ...msg, signature: zeroSig }, makeContext()), fails('reject', 'NOT_MEMBER'), 'before the signature is recovered')
  })
  t.test('BAD_SUBJECT (reject): a file job has a CID and no subject', async st => {
    for (const over of [{ cid: '' }, { subject: 'http://example.com/' }]) {
      const msg = await makeSignedJob(over)
      st.throws(() => validateScanJob(msg, makeContext()), fails('reject', 'BAD_SUBJECT'), JSON.stringify(over))
    }
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
  t.test('a named submitter: the Submission digest is returned, and a replay of it in another job is DUPLICATE_SUBMISSION (ignore)', async st => {
    const submission = { kind: 'file' as const, sha256: job.sha256, context: 'from my inbox', submittedAt: NOW - 1000 }
    const submitterSignature = await signSubmission(submission, CHAIN_ID, REGISTRY, SUBMITTER.wallet)
    const named = { context: submission.context, submittedAt: submission.submittedAt, submitter: SUBMITTER.address, submitterSignature }
    const first = await makeSignedJob(named)
    const firstId = scanJobId(first.job, CHAIN_ID, REGISTRY)
    const digest = submissionDigest(submission, CHAIN_ID, REGISTRY)
    st.same(validateScanJob(first, makeContext()), { jobId: firstId, origin: member(0).address, submission: digest })
    st.ok(validateScanJob(first, makeContext({ submissions: [[digest, firstId]] })), 'the job that carries it is not a replay of itself')
    const replay = await makeSignedJob({ ...named, createdAt: NOW + 1, commitDeadline: job.commitDeadline + 1 }, member(0))
    st.throws(() => validateScanJob(replay, makeContext({ submissions: [[digest, firstId]] })), fails('ignore', 'DUPLICATE_SUBMISSION'))
  })
})

tap.test('commitment', async t => {
  t.test('valid commitment returns job id and member', async st => {
    st.same(validateCommitment(commit, makeContext({ jobs: [job] })), { jobId, member: voter.address, conflict: false })
  })
  t.test('UNKNOWN_JOB (ignore)', async st => {
    st.throws(() => validateCommitment(commit, makeContext()), fails('ignore', 'UNKNOWN_JOB'))
  })
  t.test('STALE (ignore): after commitDeadline, with no skew allowance', async st => {
    st.throws(() => validateCommitment(commit, makeContext({ jobs: [job], now: job.commitDeadline + 1 })), fails('ignore', 'STALE'))
    st.ok(validateCommitment(commit, makeContext({ jobs: [job], now: job.commitDeadline })), 'at the deadline is fine')
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
  t.test('a second, different signed commitment is accepted as the conflict every honest member must hold (SPEC 7)', async st => {
    const ctx = makeContext({ jobs: [job], commitments: [[jobId, voter.address, otherDigest]] })
    st.same(validateCommitment(commit, ctx), { jobId, member: voter.address, conflict: true })
    const both = makeContext({ jobs: [job], commitments: [[jobId, voter.address, otherDigest]], conflicting: [[jobId, voter.address, commit.commitment.commitment]] })
    st.throws(() => validateCommitment(commit, both), fails('ignore', 'DUPLICATE'), 'the conflict again is a duplicate')
  })
  t.test('EQUIVOCATION (ignore): a third commitment, before its signature is checked', async st => {
    const third = `0x${'ab'.repeat(32)}` as Hex
    const ctx = makeContext({ jobs: [job], commitments: [[jobId, voter.address, otherDigest]], conflicting: [[jobId, voter.address, third]] })
    st.throws(() => validateCommitment({ ...commit, signature: zeroSig }, ctx), fails('ignore', 'EQUIVOCATION'))
  })
  t.test('an unsigned "equivocation" is a bad signature, not evidence', async st => {
    const ctx = makeContext({ jobs: [job], commitments: [[jobId, voter.address, otherDigest]] })
    st.throws(() => validateCommitment({ ...commit, signature: zeroSig }, ctx), fails('reject', 'BAD_SIGNATURE'))
  })
  t.test('BAD_SIGNATURE (reject)', async st => {
    st.throws(() => validateCommitment({ ...commit, signature: zeroSig }, makeContext({ jobs: [job] })), fails('reject', 'BAD_SIGNATURE'))
  })
  t.test('SIGNER_MISMATCH (reject): signed by another member, or under another domain', async st => {
    const msg = await signCommitment(commit.commitment, CHAIN_ID, REGISTRY, member(2).wallet)
    st.throws(() => validateCommitment(msg, makeContext({ jobs: [job] })), fails('reject', 'SIGNER_MISMATCH'))
    const otherDomain = await signCommitment(commit.commitment, CHAIN_ID, `0x${'12'.repeat(20)}`, voter.wallet)
    st.throws(() => validateCommitment(otherDomain, makeContext({ jobs: [job] })), fails('reject', 'SIGNER_MISMATCH'))
  })
})

/** A node that knows the job and the voter's commitment, inside the reveal window. */
const committed = (over: State = {}) => makeContext({
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
  t.test('BAD_SCAN_TIME (reject): scannedAt before createdAt or after commitDeadline', async st => {
    for (const [name, scannedAt] of [['before createdAt', job.createdAt - 1], ['after commitDeadline', job.commitDeadline + 1], ['far future', Number.MAX_SAFE_INTEGER], ['zero', 0]] as const) {
      const r = await makeReveal(job, voter, [result('YARA', 'malicious', 'Evil')], scannedAt)
      const ctx = committed({ commitments: [[jobId, voter.address, r.commit.commitment.commitment]] })
      st.throws(() => validateVerdict(r.reveal, ctx), fails('reject', 'BAD_SCAN_TIME'), name)
    }
    for (const [name, scannedAt] of [['at createdAt', job.createdAt], ['at commitDeadline', job.commitDeadline]] as const) {
      const r = await makeReveal(job, voter, [result('YARA', 'malicious', 'Evil')], scannedAt)
      st.ok(validateVerdict(r.reveal, committed({ commitments: [[jobId, voter.address, r.commit.commitment.commitment]] })), name)
    }
  })
  t.test('STALE (ignore): after revealDeadline + skew', async st => {
    st.throws(() => validateVerdict(reveal, committed({ now: job.revealDeadline + SKEW + 1 })), fails('ignore', 'STALE'))
    st.ok(validateVerdict(reveal, committed({ now: job.revealDeadline + SKEW })), 'within skew is fine')
  })
  t.test('EARLY_REVEAL (ignore): before commitDeadline while a commitment may still arrive', async st => {
    const own: [Hex, Hex, Hex] = [jobId, voter.address, commit.commitment.commitment]
    st.throws(() => validateVerdict(reveal, committed({ now: job.commitDeadline - 1 })), fails('ignore', 'EARLY_REVEAL'))
    st.throws(() => validateVerdict(reveal, committed({ now: job.createdAt, commitments: [own, ...held(0, 2)] })), fails('ignore', 'EARLY_REVEAL'), 'three of four committed')
    st.ok(validateVerdict(reveal, committed({ now: job.commitDeadline })), 'from the commit deadline on')
    st.ok(validateVerdict(reveal, committed({ now: job.createdAt, commitments: [own, ...held(0, 2, 3)] })), 'every member committed: the early reveal')
  })
  t.test('NOT_MEMBER (reject)', async st => {
    const outsider = await makeReveal(job, OUTSIDER, [])
    st.throws(() => validateVerdict(outsider.reveal, committed()), fails('reject', 'NOT_MEMBER'))
  })
  t.test('UNREGISTERED_ENGINE (reject): a result for an engine not among the member\'s at the job\'s block', async st => {
    const invented = await makeReveal(job, voter, [result('YARA', 'undetected'), result('Fake', 'malicious', 'x')])
    st.throws(() => validateVerdict(invented.reveal, committed()), fails('reject', 'UNREGISTERED_ENGINE'), 'an engine nobody registered')
    const third = member(3)
    const impersonated = await makeReveal(job, third, [result('ClamAV', 'malicious', 'x')])
    const ctx = committed({ commitments: [[jobId, third.address, impersonated.commit.commitment.commitment]] })
    st.throws(() => validateVerdict(impersonated.reveal, ctx), fails('reject', 'UNREGISTERED_ENGINE'), 'another member\'s engine')
    const noResults = await makeReveal(job, third, [])
    st.ok(validateVerdict(noResults.reveal, committed({ commitments: [[jobId, third.address, noResults.commit.commitment.commitment]] })), 'no results at all')
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
  t.test('COMMITMENT_MISMATCH (ignore, held): wrong salt or changed verdict; it may open a commitment still on its way', async st => {
    const wrongSalt = { ...reveal, salt: `0x${'00'.repeat(32)}` as Hex }
    st.throws(() => validateVerdict(wrongSalt, committed()), fails('ignore', 'COMMITMENT_MISMATCH'))
    const changed = await makeReveal(job, voter, [result('YARA', 'undetected')])
    st.throws(() => validateVerdict(changed.reveal, committed()), fails('ignore', 'COMMITMENT_MISMATCH'))
    st.equal(computeCommitment(reveal.verdict, reveal.salt), commit.commitment.commitment, 'the right salt opens it')
  })
  t.test('a verdict opening the member\'s second, conflicting commitment is accepted (SPEC 7)', async st => {
    const other = await makeReveal(job, voter, [result('YARA', 'undetected')])
    const ctx = committed({ conflicting: [[jobId, voter.address, other.commit.commitment.commitment]] })
    st.equal(validateVerdict(other.reveal, ctx).member, voter.address)
    st.throws(() => validateVerdict(other.reveal, committed({ conflicting: [[jobId, voter.address, other.commit.commitment.commitment]], verdictHashes: [[jobId, voter.address, verdictHash(reveal.verdict)]] })),
      fails('ignore', 'EQUIVOCATION'), 'but not beside a verdict opening the first: two verdicts are evidence')
  })
})

const opened = await Promise.all([0, 2].map(i => makeReveal(job, member(i), [result('YARA', 'undetected')])))
const contentCommits = [commit, ...opened.map(o => o.commit)]
const contentReveals = [reveal, ...opened.map(o => o.reveal)]
const [attestation] = await makeAttestations(signedJob, contentCommits, contentReveals, [voter]) as [SignedAttestation]
const digest = reportDigest(attestation.attestation, CHAIN_ID, REGISTRY)
const attestTime = job.revealDeadline + SKEW

const attestContext = (over: State = {}) => makeContext({ jobs: [job], now: attestTime, ...over })
const complaintContext = (over: State = {}) => makeContext({ jobs: [job], ...over })

tap.test('attestation', async t => {
  const ctx = attestContext
  t.test('valid attestation returns job id, member and reportDigest', async st => {
    st.same(validateAttestation(attestation, ctx()), { jobId, member: voter.address, digest })
    st.ok(validateAttestation(attestation, ctx({ now: job.createdAt })), 'no lower bound: a member attests early once every member revealed')
  })
  t.test('UNKNOWN_JOB (ignore)', async st => {
    st.throws(() => validateAttestation(attestation, ctx({ jobs: [] })), fails('ignore', 'UNKNOWN_JOB'))
  })
  t.test('STALE (ignore): after revealDeadline + skew + attestWindowMs', async st => {
    const deadline = job.revealDeadline + SKEW + DEFAULT_JOB_BOUNDS.attestWindowMs
    st.throws(() => validateAttestation(attestation, ctx({ now: deadline + 1 })), fails('ignore', 'STALE'))
    st.ok(validateAttestation(attestation, ctx({ now: deadline })), 'at the deadline is fine')
  })
  t.test('NOT_MEMBER (reject): the attester, or a committed address, is not a member', async st => {
    const outsider = await signAttestation(attestation.attestation, CHAIN_ID, REGISTRY, OUTSIDER.wallet)
    st.throws(() => validateAttestation(outsider, ctx()), fails('reject', 'NOT_MEMBER'), 'attester')
    const withOutsider = structuredClone(attestation.attestation)
    const at = withOutsider.committed.findIndex(m => m > OUTSIDER.address)
    const index = at === -1 ? withOutsider.committed.length : at
    withOutsider.committed.splice(index, 0, OUTSIDER.address)
    withOutsider.commitments.splice(index, 0, otherDigest)
    const msg = await signAttestation(withOutsider, CHAIN_ID, REGISTRY, voter.wallet)
    st.throws(() => validateAttestation(msg, ctx()), fails('reject', 'NOT_MEMBER'), 'committed address')
  })
  t.test('DUPLICATE (ignore): same attestation from this member already held', async st => {
    st.throws(() => validateAttestation(attestation, ctx({ attestations: [[jobId, voter.address, digest]] })), fails('ignore', 'DUPLICATE'))
  })
  t.test('BAD_SIGNATURE (reject)', async st => {
    st.throws(() => validateAttestation({ ...attestation, signature: zeroSig }, ctx()), fails('reject', 'BAD_SIGNATURE'))
  })
  t.test('SIGNER_MISMATCH (reject): the member field names another member', async st => {
    st.throws(() => validateAttestation({ ...attestation, member: member(2).address }, ctx()), fails('reject', 'SIGNER_MISMATCH'))
    const otherChain = await signAttestation(attestation.attestation, CHAIN_ID + 1, REGISTRY, voter.wallet)
    st.throws(() => validateAttestation(otherChain, ctx()), fails('reject', 'SIGNER_MISMATCH'), 'signed under another domain')
  })
  t.test('EQUIVOCATION (ignore: the forwarder may be honest): a different attestation from this member already held', async st => {
    st.throws(() => validateAttestation(attestation, ctx({ attestations: [[jobId, voter.address, otherDigest]] })), fails('ignore', 'EQUIVOCATION'))
    st.throws(() => validateAttestation({ ...attestation, signature: zeroSig }, ctx({ attestations: [[jobId, voter.address, otherDigest]] })),
      fails('reject', 'BAD_SIGNATURE'), 'an unsigned one is no evidence')
    st.ok(validateAttestation(attestation, ctx({ attestations: [[jobId, member(2).address, otherDigest]] })), 'another member\'s differing attestation is its own')
  })
})

tap.test('complaint', async t => {
  const complaint: SignedComplaint = await signComplaint({ jobId, member: voter.address, reason: 'UNWRAP_FAILED' }, CHAIN_ID, REGISTRY, voter.wallet)
  const ctx = complaintContext
  t.test('valid complaint returns job id and member', async st => {
    st.same(validateComplaint(complaint, ctx()), { jobId, member: voter.address })
  })
  t.test('UNKNOWN_JOB (ignore)', async st => {
    st.throws(() => validateComplaint(complaint, ctx({ jobs: [] })), fails('ignore', 'UNKNOWN_JOB'))
  })
  t.test('STALE (ignore): after revealDeadline + skew', async st => {
    st.throws(() => validateComplaint(complaint, ctx({ now: job.revealDeadline + SKEW + 1 })), fails('ignore', 'STALE'))
    st.ok(validateComplaint(complaint, ctx({ now: job.revealDeadline + SKEW })), 'within skew is fine')
  })
  t.test('NOT_MEMBER (reject)', async st => {
    const msg = await signComplaint({ jobId, member: OUTSIDER.address, reason: 'CONTENT_MISMATCH' }, CHAIN_ID, REGISTRY, OUTSIDER.wallet)
    st.throws(() => validateComplaint(msg, ctx()), fails('reject', 'NOT_MEMBER'))
  })
  t.test('JOB_MISMATCH (reject): an indicator job has nothing to unwrap or check', async st => {
    const indicator = await makeIndicatorJob('url', 'http://example.com/login')
    const msg = await signComplaint({ jobId: scanJobId(indicator, CHAIN_ID, REGISTRY), member: voter.address, reason: 'CONTENT_MISMATCH' }, CHAIN_ID, REGISTRY, voter.wallet)
    st.throws(() => validateComplaint(msg, makeContext({ jobs: [indicator] })), fails('reject', 'JOB_MISMATCH'))
  })
  t.test('DUPLICATE (ignore): a complaint from this member already held', async st => {
    st.throws(() => validateComplaint(complaint, ctx({ complaints: [[jobId, voter.address]] })), fails('ignore', 'DUPLICATE'))
    st.ok(validateComplaint(complaint, ctx({ complaints: [[jobId, member(2).address]] })), 'another member\'s complaint')
  })
  t.test('BAD_SIGNATURE (reject)', async st => {
    st.throws(() => validateComplaint({ ...complaint, signature: zeroSig }, ctx()), fails('reject', 'BAD_SIGNATURE'))
  })
  t.test('SIGNER_MISMATCH (reject): another member\'s name, or a changed reason', async st => {
    st.throws(() => validateComplaint({ ...complaint, complaint: { ...complaint.complaint, member: member(2).address } }, ctx()), fails('reject', 'SIGNER_MISMATCH'))
    st.throws(() => validateComplaint({ ...complaint, complaint: { ...complaint.complaint, reason: 'CONTENT_MISMATCH' } }, ctx()), fails('reject', 'SIGNER_MISMATCH'))
  })
})

tap.test('validators are pure: the same input gives the same answer', async t => {
  const ctx = makeContext()
  t.same(validateScanJob(signedJob, ctx), validateScanJob(signedJob, ctx))
  t.same(validateScanJob(signedJob, ctx), validateScanJob(structuredClone(signedJob), ctx))
  t.equal(MEMBERS.length, 4, 'the fixtures\' four members')
})
