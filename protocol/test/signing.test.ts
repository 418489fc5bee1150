import tap from 'tap'
import { concat, hexlify, keccak256, randomBytes, TypedDataEncoder, Wallet } from 'ethers'
import {
  attestationFor, complaintDigest, EIP712_TYPES, eip712Domain, contentCommitments, computeCommitment, recoverAttestationSigner, recoverCommitmentSigner, recoverComplaintSigner, recoverReportSigner,
  recoverScanJobSigner, recoverSubmissionSigner, recoverVerdictSigner, reportDigest, scanJobId, signAttestation, signCommitment, signComplaint,
  signScanJob, signSubmission, signVerdict, submissionOf, verdictHash
} from '../src/index.ts'
import type { Hex, SignedVerdict } from '../src/index.ts'
import {
  CHAIN_ID, makeIndicatorJob, makeJob, makeReveal, makeSignedJob, makeVerdict, member, REGISTRY, result, saltFor, SUBMITTER
} from './fixtures.ts'

const job = makeJob()
const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
const origin = member(0)
const voter = member(1)
const verdict = makeVerdict(job, voter, [result('YARA', 'malicious', 'Evil')])
const salt = saltFor(voter)
const otherRegistry: Hex = `0x${'12'.repeat(20)}`
/** the signature with its last byte (v) replaced */
const withV = (signature: Hex, v: number): Hex => `${signature.slice(0, 130)}${v.toString(16).padStart(2, '0')}` as Hex
/** secp256k1 group order: s and n - s both verify, only s <= n/2 is canonical */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const highS = (signature: Hex): Hex => {
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = signature.endsWith('1b') ? 0x1c : 0x1b
  return `${signature.slice(0, 66)}${(N - s).toString(16).padStart(64, '0')}${v.toString(16)}` as Hex
}

tap.test('scan job: recovers the lowercase origin address', async t => {
  const signed = await signScanJob(job, CHAIN_ID, REGISTRY, origin.wallet)
  t.equal(signed.type, 'scan-job')
  t.equal(recoverScanJobSigner(signed, CHAIN_ID, REGISTRY), origin.address)
  t.match(recoverScanJobSigner(signed, CHAIN_ID, REGISTRY), /^0x[0-9a-f]{40}$/)
})

tap.test('scan job: a wrong domain or changed job recovers someone else', async t => {
  const signed = await signScanJob(job, CHAIN_ID, REGISTRY, origin.wallet)
  t.not(recoverScanJobSigner(signed, CHAIN_ID + 1, REGISTRY), origin.address, 'other chainId')
  t.not(recoverScanJobSigner(signed, CHAIN_ID, otherRegistry), origin.address, 'other registry')
  t.not(recoverScanJobSigner({ ...signed, job: { ...job, size: 5 } }, CHAIN_ID, REGISTRY), origin.address, 'changed size')
})

tap.test('malformed signatures throw', async t => {
  const signed = await signScanJob(job, CHAIN_ID, REGISTRY, origin.wallet)
  t.throws(() => recoverScanJobSigner({ ...signed, signature: `0x${'00'.repeat(65)}` }, CHAIN_ID, REGISTRY))
  t.throws(() => recoverScanJobSigner({ ...signed, signature: `0x${'11'.repeat(64)}` }, CHAIN_ID, REGISTRY), '64 bytes')
  // s with the top bit set is refused by any secp256k1 library
  const topBitS = `${signed.signature.slice(0, 66)}ff${signed.signature.slice(68)}` as Hex
  t.throws(() => recoverScanJobSigner({ ...signed, signature: topBitS }, CHAIN_ID, REGISTRY))
})

tap.test('a member\'s signature has one spelling: v is 27 or 28 and s is at most n/2 (as OpenZeppelin ECDSA takes it)', async t => {
  const signed = await signScanJob(job, CHAIN_ID, REGISTRY, origin.wallet)
  const v = Number.parseInt(signed.signature.slice(130), 16)
  t.ok(v === 27 || v === 28, 'ethers signs with v 27 or 28')
  // ethers would recover the same signer from each of these twins; the protocol refuses them
  const twins: Array<[string, Hex]> = [
    ['v 0 or 1', withV(signed.signature, v - 27)],
    ['v of EIP-155 parity', withV(signed.signature, v + 32)],
    ['v 255 or 254', withV(signed.signature, v === 27 ? 255 : 254)],
    ['s above n/2 with v flipped', highS(signed.signature)]
  ]
  for (const [name, signature] of twins) t.throws(() => recoverScanJobSigner({ ...signed, signature }, CHAIN_ID, REGISTRY), name)
  const { commit, reveal } = await makeReveal(job, voter, [])
  t.throws(() => recoverCommitmentSigner({ ...commit, signature: withV(commit.signature, 0) }, CHAIN_ID, REGISTRY), 'commitment')
  t.throws(() => recoverVerdictSigner({ ...reveal, signature: withV(reveal.signature, 1) }, CHAIN_ID, REGISTRY), 'verdict')
  const complaint = await signComplaint({ jobId, member: voter.address, reason: 'UNWRAP_FAILED' }, CHAIN_ID, REGISTRY, voter.wallet)
  t.throws(() => recoverComplaintSigner({ ...complaint, signature: highS(complaint.signature) }, CHAIN_ID, REGISTRY), 'complaint')
  const attestation = await signAttestation(attestationFor({ type: 'scan-job', job, signature: signed.signature }, [commit], [reveal], CHAIN_ID, REGISTRY),
    CHAIN_ID, REGISTRY, voter.wallet)
  t.throws(() => recoverAttestationSigner({ ...attestation, signature: withV(attestation.signature, 0x3b) }, CHAIN_ID, REGISTRY), 'attestation')
})

tap.test('commitment: signs and recovers; wrong domain recovers someone else', async t => {
  const c = { jobId: verdict.jobId, member: voter.address, commitment: computeCommitment(verdict, salt) }
  const signed = await signCommitment(c, CHAIN_ID, REGISTRY, voter.wallet)
  t.equal(signed.type, 'commitment')
  t.equal(recoverCommitmentSigner(signed, CHAIN_ID, REGISTRY), voter.address)
  t.not(recoverCommitmentSigner(signed, 1, REGISTRY), voter.address)
  t.not(recoverCommitmentSigner(signed, CHAIN_ID, otherRegistry), voter.address)
})

tap.test('verdict: signs and recovers; wrong domain recovers someone else', async t => {
  const signed = await signVerdict(verdict, salt, CHAIN_ID, REGISTRY, voter.wallet)
  t.same(signed, { type: 'verdict', verdict, salt, signature: signed.signature })
  t.equal(recoverVerdictSigner(signed, CHAIN_ID, REGISTRY), voter.address)
  t.not(recoverVerdictSigner(signed, 1, REGISTRY), voter.address)
  t.not(recoverVerdictSigner(signed, CHAIN_ID, otherRegistry), voter.address)
  t.equal(recoverVerdictSigner({ ...signed, salt: `0x${'00'.repeat(32)}` }, CHAIN_ID, REGISTRY), voter.address, 'the salt is not signed (the commitment authenticates it)')
  const stranger = Wallet.createRandom()
  const forged = await signVerdict(verdict, salt, CHAIN_ID, REGISTRY, stranger)
  t.equal(recoverVerdictSigner(forged, CHAIN_ID, REGISTRY), stranger.address.toLowerCase())
})

tap.test('a commitment opens only with the right salt and verdict', async t => {
  const c = computeCommitment(verdict, salt)
  t.match(c, /^0x[0-9a-f]{64}$/)
  t.equal(computeCommitment(structuredClone(verdict), salt), c, 'deterministic')
  t.not(computeCommitment(verdict, `0x${'00'.repeat(32)}`), c, 'other salt')
  t.not(computeCommitment({ ...verdict, results: [result('YARA', 'undetected')] }, salt), c, 'other verdict')
  t.not(computeCommitment({ ...verdict, member: member(2).address }, salt), c, 'other member')
  t.equal(c, keccak256(concat([verdictHash(verdict), salt])), 'keccak256(verdictHash || salt), as ethers computes it')
  const frozen = structuredClone(verdict)
  Object.freeze(frozen.results.map(Object.freeze))
  Object.freeze(frozen.results)
  Object.freeze(frozen)
  t.equal(computeCommitment(frozen, salt), c, 'a frozen verdict (its struct hash kept) opens the same')
  t.equal(computeCommitment(frozen, salt), c, 'and again')
  for (const bad of [salt.slice(2), `${salt}0`, `0x${'zz'.repeat(32)}`, '', 42 as unknown as Hex, null as unknown as Hex]) {
    t.throws(() => computeCommitment(verdict, bad as Hex), TypeError, `salt ${JSON.stringify(bad)?.slice(0, 20)}`)
  }
})

tap.test('attestation: the message names its signer; every member agreeing signs the same digest', async t => {
  const signedJob = await makeSignedJob()
  const opened = await Promise.all([0, 1, 2].map(i => makeReveal(signedJob.job, member(i), [result('YARA', 'undetected')])))
  const content = attestationFor(signedJob, opened.map(o => o.commit), opened.map(o => o.reveal), CHAIN_ID, REGISTRY)
  const digest = reportDigest(content, CHAIN_ID, REGISTRY)
  for (const i of [0, 2, 3]) {
    const a = await signAttestation(content, CHAIN_ID, REGISTRY, member(i).wallet)
    t.same(a, { type: 'attestation', member: member(i).address, attestation: content, signature: a.signature })
    t.equal(recoverAttestationSigner(a, CHAIN_ID, REGISTRY), member(i).address)
    t.equal(recoverReportSigner(digest, a.signature), member(i).address, 'a report keeps only member and signature: the digest recovers it')
    t.not(recoverAttestationSigner(a, CHAIN_ID + 1, REGISTRY), member(i).address, 'other chain')
    t.not(recoverAttestationSigner({ ...a, attestation: { ...content, revealed: [], verdicts: [] } }, CHAIN_ID, REGISTRY), member(i).address, 'other content')
  }
  t.throws(() => recoverReportSigner(digest, `0x${'00'.repeat(65)}`), 'a signature that does not recover')
})

tap.test('attestationFor: one commitment and one verdict per member, ascending, a verdict only beside its member\'s commitment', async t => {
  const signedJob = await makeSignedJob()
  const opened = await Promise.all([3, 1, 0, 2].map(i => makeReveal(signedJob.job, member(i), [result('YARA', 'undetected')])))
  const [o3, o1, o0, o2] = opened as [typeof opened[number], typeof opened[number], typeof opened[number], typeof opened[number]]
  const second = await makeReveal(signedJob.job, member(1), [result('YARA', 'malicious', 'Later')])
  const content = attestationFor(signedJob, [o3.commit, o1.commit, second.commit, o0.commit],
    [o2.reveal, o1.reveal, second.reveal, o3.reveal], CHAIN_ID, REGISTRY)
  t.same(content, {
    jobId: scanJobId(signedJob.job, CHAIN_ID, REGISTRY),
    committed: [member(0).address, member(1).address, member(3).address],
    commitments: [o0.commit.commitment.commitment, o1.commit.commitment.commitment, o3.commit.commitment.commitment],
    revealed: [member(1).address, member(3).address],
    verdicts: [verdictHash(o1.reveal.verdict), verdictHash(o3.reveal.verdict)]
  }, 'the first of each member\'s items wins; member 2 revealed without a commitment and is left out')
  t.same(attestationFor(signedJob, [], [] as SignedVerdict[], CHAIN_ID, REGISTRY),
    { jobId: content.jobId, committed: [], commitments: [], revealed: [], verdicts: [] }, 'nothing held')
})

tap.test('complaint: signs and recovers; the reason is signed', async t => {
  const complaint = { jobId, member: voter.address, reason: 'CONTENT_MISMATCH' as const }
  const signed = await signComplaint(complaint, CHAIN_ID, REGISTRY, voter.wallet)
  t.same(signed, { type: 'complaint', complaint, signature: signed.signature })
  t.equal(recoverComplaintSigner(signed, CHAIN_ID, REGISTRY), voter.address)
  t.not(recoverComplaintSigner({ ...signed, complaint: { ...complaint, reason: 'UNWRAP_FAILED' } }, CHAIN_ID, REGISTRY), voter.address, 'other reason')
  t.not(recoverComplaintSigner(signed, CHAIN_ID, otherRegistry), voter.address, 'other registry')
  t.equal(complaintDigest(complaint, CHAIN_ID, REGISTRY).length, 66)
})

tap.test('submission: the submitter\'s wallet signs kind, sha256, context and submittedAt', async t => {
  const indicator = await makeIndicatorJob('url', 'http://example.com/login')
  const submission = submissionOf(indicator)
  t.same(submission, { kind: 'url', sha256: indicator.sha256, context: indicator.context, submittedAt: indicator.submittedAt })
  t.equal(await signSubmission(submission, CHAIN_ID, REGISTRY, SUBMITTER.wallet), indicator.submitterSignature)
  t.equal(recoverSubmissionSigner(submission, indicator.submitterSignature, CHAIN_ID, REGISTRY), SUBMITTER.address)
  t.not(recoverSubmissionSigner({ ...submission, context: 'other' }, indicator.submitterSignature, CHAIN_ID, REGISTRY), SUBMITTER.address)
  // a wallet's own signature, not a member's: v 0/1 as some hardware wallets produce it is accepted (the origin signs the job bytes)
  const v = Number.parseInt(indicator.submitterSignature.slice(130), 16)
  t.equal(recoverSubmissionSigner(submission, withV(indicator.submitterSignature, v - 27), CHAIN_ID, REGISTRY), SUBMITTER.address)
})

const named = (list: Array<{ commitment: { commitment: Hex } }>): Hex[] => list.map((c) => c.commitment.commitment).toSorted()

tap.test('contentCommitments: an equivocator is named beside the commitment its verdict opens, or left out (SPEC 7)', async t => {
  const honest = await makeReveal(job, member(0), [result('YARA', 'undetected')])
  const a = await makeReveal(job, voter, [result('YARA', 'undetected')])
  const b = await makeReveal(job, voter, [result('YARA', 'malicious', 'Evil')], job.createdAt + 1)
  const silent = await makeReveal(job, member(2), [result('YARA', 'undetected')])
  // whichever of the voter's two commitments a node holds first, its verdict decides which one is named
  for (const [first, second] of [[a, b], [b, a]] as const) {
    const held = [honest.commit, first.commit, silent.commit]
    t.same(named(contentCommitments(held, [second.commit], [honest.reveal, a.reveal])), named([honest.commit, a.commit, silent.commit]), 'revealed: the opened one')
    t.same(named(contentCommitments(held, [second.commit], [honest.reveal])), named([honest.commit, silent.commit]), 'not revealed: left out')
  }
  t.same(named(contentCommitments([honest.commit, a.commit, silent.commit], [], [honest.reveal])), named([honest.commit, a.commit, silent.commit]),
    'without a conflict, a member that committed and did not reveal is named (committed-but-absent)')
})

tap.test('an operator key signs byte for byte as ethers does (RFC 6979, low s, v 27/28), through libsecp256k1', async t => {
  let same = 0
  let typed = 0
  for (let i = 0; i < 200; i++) {
    const w = new Wallet(hexlify(randomBytes(32)))
    const c = { jobId: hexlify(randomBytes(32)) as Hex, member: w.address.toLowerCase() as Hex, reason: i % 2 === 0 ? 'UNWRAP_FAILED' as const : 'CONTENT_MISMATCH' as const }
    const signed = await signComplaint(c, CHAIN_ID, REGISTRY, w)
    if (signed.signature === w.signingKey.sign(complaintDigest(c, CHAIN_ID, REGISTRY)).serialized) same++
    if (i < 10 && signed.signature === await w.signTypedData(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.Complaint, c)) typed++
    if (i === 0) t.equal(TypedDataEncoder.hash(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.Complaint, c), complaintDigest(c, CHAIN_ID, REGISTRY), 'the digest ethers signs')
  }
  t.equal(same, 200, 'SigningKey.sign of the digest')
  t.equal(typed, 10, 'and signTypedData')
})
