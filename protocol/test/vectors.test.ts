import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { Wallet } from 'ethers'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { concat, keccak256 } from 'ethers'
import {
  attestationFor, attestAt, attestDeadline, checkReport, commitmentDigest, complaintDigest, computeCommitment, decodeMessage, deriveReport, EIP712_TYPES,
  eip712Domain, encodeMessage, jobBoundsFrom, jobEndsAt, KEY_WRAP_INFO, quorumThreshold, recoverAttestationSigner, recoverCommitmentSigner,
  recoverComplaintSigner, recoverScanJobSigner, recoverSubmissionSigner, recoverVerdictSigner, reportDigest, scanDeadline, scanJobId, scanJobStructHash,
  signAttestation, signCommitment, signComplaint, signScanJob, signSubmission, signVerdict, submissionDigest, submissionOf, unwrapContentKey, verdictDigest,
  verdictHash, canonicalizeIndicator, indicatorDigests, windowsWithinBounds, ageLimitBlock, createdPastAgeLimit, DEFAULT_MAX_JOB_AGE_BLOCKS,
  MAX_MAX_JOB_AGE_BLOCKS, maxJobAgeBlocksFrom, membershipBlockTooOld, MIN_MAX_JOB_AGE_BLOCKS, ANCHOR_LEAF_TYPES, anchorLeafHash, anchorProof, epochRange,
  epochRootDigest, epochTree, isEligible, leafOf, recoverEpochRootSigner, signEpochRoot, verifyAnchorProof, anchorProposalDigest, signAnchorProposal,
  recoverAnchorProposalSigner
} from '../src/index.ts'
import type {
  AnchorLeaf, AnchorProposal, Complaint, EpochRoot, GossipMessage, Hex, JobBounds, Report, ReportAttestation, ScanJob, SignedCommitment, SignedVerdict, Submission, Verdict, VerdictCommitment
} from '../src/index.ts'

/** Checks that this implementation reproduces protocol/test/vectors (written by scripts/make-vectors.ts). */
const load = <T>(name: string): T => JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', `${name}.json`), 'utf8')) as T
const keys = load<{ chainId: number, registry: Hex, domain: unknown, types: unknown, members: Array<{ privateKey: Hex, address: Hex, x25519SecretKey: Hex, x25519PublicKey: Hex, engines: string[] }> }>('keys')
const wrap = load<{ info: string, contentKey: Hex, sha256: Hex, ephemeralSecretKey: Hex, ephemeralPublicKey: Hex, wraps: Array<{ member: Hex, wrappedKey: Hex, memberSecretKey: Hex }> }>('key-wrap')
const jobVector = load<{ job: ScanJob, structHash: Hex, jobId: Hex, signer: Hex, signature: Hex, encoded: Hex }>('scan-job')
const commitments = load<Array<{ verdictHash: Hex, salt: Hex, commitment: VerdictCommitment, digest: Hex, signature: Hex, encoded: Hex }>>('commitments')
const verdicts = load<Array<{ verdict: Verdict, salt: Hex, verdictHash: Hex, digest: Hex, signature: Hex, encoded: Hex }>>('verdicts')
const attestations = load<{ attestation: ReportAttestation, reportDigest: Hex, signatures: Array<{ member: Hex, signature: Hex, encoded: Hex }> }>('attestations')
const complaints = load<Array<{ complaint: Complaint, digest: Hex, signature: Hex, encoded: Hex }>>('complaints')
const report = load<Report>('report')
const timing = load<{
  parameters: Array<{ name: string, values: Record<keyof JobBounds, string>, bounds: JobBounds }>
  job: { createdAt: number, commitDeadline: number, revealDeadline: number, bounds: JobBounds, windowsWithinBounds: boolean, attestAt: number, attestDeadline: number, jobEndsAt: number, scanDeadline: number }
}>('timing')
const jobAge = load<{
  defaultMaxJobAgeBlocks: number, minMaxJobAgeBlocks: number, maxMaxJobAgeBlocks: number
  parameters: Array<{ name: string, value: string, maxJobAgeBlocks: number }>
  members: Array<{ name: string, membershipBlock: number, followedBlock: number, maxJobAgeBlocks: number, tooOld: boolean }>
  lightClient: Array<{ name: string, membershipBlock: number, maxJobAgeBlocks: number, limitBlock: number, createdAt: number, limitTimestamp: number | null, clockSkewMs: number, createdPastAgeLimit: boolean }>
}>('job-age')
const anchors = load<{
  epochBlocks: number, epochRange: { start: number, end: number }, epochRoot: EpochRoot, digest: Hex, signatures: Array<{ member: Hex, signature: Hex }>
  proposal: { message: AnchorProposal, digest: Hex, encoded: Hex }, leafTypes: string[], reports: Report[], leaves: Array<{ jobId: Hex, values: AnchorLeaf, leafHash: Hex, proof: Hex[] }>
  eligibility: Array<{ name: string, membershipBlock: number, epoch: number, epochBlocks: number, maxJobAgeBlocks: number, eligible: boolean }>
}>('anchors')
const quorum = load<Array<{ memberCount: number, faultDivisor: number, threshold: number }>>('quorum')
const indicator = load<{ rawSubject: string, job: ScanJob, submission: Submission, submissionDigest: Hex, submitterPrivateKey: Hex, structHash: Hex, jobId: Hex, signer: Hex, signature: Hex, encoded: Hex }>('indicator-job')

const { chainId, registry } = keys
const bytes = (h: Hex): Uint8Array => hexToBytes(h.slice(2))
const hexOf = (b: Uint8Array): Hex => `0x${bytesToHex(b)}`
const wallet = (address: Hex): Wallet => new Wallet(keys.members.find(m => m.address === address)?.privateKey ?? '')
const encodedHex = (msg: GossipMessage): Hex => hexOf(encodeMessage(msg))

const members = keys.members.map(m => m.address)
/** engine id -> members whose engines include it, as the chain answers enginesAt */
const registrations: Record<string, Hex[]> = {}
for (const m of keys.members) for (const e of m.engines) (registrations[e] ??= []).push(m.address)
const signedCommitments: SignedCommitment[] = commitments.map(c => ({ type: 'commitment', commitment: c.commitment, signature: c.signature }))
const signedVerdicts: SignedVerdict[] = verdicts.map(v => ({ type: 'verdict', verdict: v.verdict, salt: v.salt, signature: v.signature }))
const signedJob = { type: 'scan-job' as const, job: jobVector.job, signature: jobVector.signature }

tap.test('keys, domain and types', async t => {
  t.same(eip712Domain(chainId, registry), keys.domain)
  t.equal((keys.domain as { version: string }).version, '2')
  t.same(EIP712_TYPES, keys.types)
  for (const m of keys.members) {
    t.equal(new Wallet(m.privateKey).address.toLowerCase(), m.address)
    t.equal(hexOf(x25519.getPublicKey(bytes(m.x25519SecretKey))), m.x25519PublicKey)
  }
})

tap.test('key wraps open for each member', async t => {
  t.equal(wrap.info, KEY_WRAP_INFO)
  t.equal(hexOf(x25519.getPublicKey(bytes(wrap.ephemeralSecretKey))), wrap.ephemeralPublicKey)
  for (const w of wrap.wraps) {
    const key = unwrapContentKey({ wrappedKey: w.wrappedKey, memberSecretKey: bytes(w.memberSecretKey), ephemeralPublicKey: bytes(wrap.ephemeralPublicKey), member: w.member, sha256: wrap.sha256 })
    t.equal(hexOf(key), wrap.contentKey, w.member)
  }
})

tap.test('scan job: hashes, signature, encoding', async t => {
  const { job } = jobVector
  t.equal(scanJobStructHash(job), jobVector.structHash)
  t.equal(scanJobId(job, chainId, registry), jobVector.jobId)
  const signed = await signScanJob(job, chainId, registry, wallet(jobVector.signer))
  t.equal(signed.signature, jobVector.signature)
  t.equal(recoverScanJobSigner(signed, chainId, registry), jobVector.signer)
  t.equal(encodedHex(signed), jobVector.encoded)
  t.same(decodeMessage('jobs', bytes(jobVector.encoded)), signed)
})

tap.test('indicator job: canonical subject, submission signature, hashes, encoding', async t => {
  const { job } = indicator
  t.equal(canonicalizeIndicator('url', indicator.rawSubject), job.subject)
  const { sha256, sha1, md5, size } = indicatorDigests(job.subject)
  t.same({ sha256: job.sha256, sha1: job.sha1, md5: job.md5, size: job.size }, { sha256, sha1, md5, size })
  t.same(submissionOf(job), indicator.submission)
  t.equal(submissionDigest(indicator.submission, chainId, registry), indicator.submissionDigest)
  t.equal(await signSubmission(indicator.submission, chainId, registry, new Wallet(indicator.submitterPrivateKey)), job.submitterSignature)
  t.equal(recoverSubmissionSigner(indicator.submission, job.submitterSignature, chainId, registry), job.submitter)
  t.equal(scanJobStructHash(job), indicator.structHash)
  t.equal(scanJobId(job, chainId, registry), indicator.jobId)
  const signed = await signScanJob(job, chainId, registry, wallet(indicator.signer))
  t.equal(signed.signature, indicator.signature)
  t.equal(encodedHex(signed), indicator.encoded)
  t.same(decodeMessage('jobs', bytes(indicator.encoded)), signed)
})

tap.test('commitments: commitment, digest, signature, encoding', async t => {
  t.equal(commitments.length, 4, 'every member committed')
  for (const c of commitments) {
    t.equal(keccak256(concat([c.verdictHash, c.salt])), c.commitment.commitment, 'keccak256(verdictHash || salt)')
    const v = verdicts.find(x => x.verdict.member === c.commitment.member)
    if (v !== undefined) {
      t.equal(verdictHash(v.verdict), c.verdictHash)
      t.equal(computeCommitment(v.verdict, c.salt), c.commitment.commitment)
    }
    t.equal(commitmentDigest(c.commitment, chainId, registry), c.digest)
    const signed = await signCommitment(c.commitment, chainId, registry, wallet(c.commitment.member))
    t.equal(signed.signature, c.signature)
    t.equal(recoverCommitmentSigner(signed, chainId, registry), c.commitment.member)
    t.equal(encodedHex(signed), c.encoded)
    t.same(decodeMessage('commits', bytes(c.encoded)), signed)
  }
})

tap.test('verdicts: hash, digest, signature, encoding', async t => {
  for (const v of verdicts) {
    t.equal(verdictHash(v.verdict), v.verdictHash)
    t.equal(verdictDigest(v.verdict, chainId, registry), v.digest)
    const signed = await signVerdict(v.verdict, v.salt, chainId, registry, wallet(v.verdict.member))
    t.equal(signed.signature, v.signature)
    t.equal(recoverVerdictSigner(signed, chainId, registry), v.verdict.member)
    t.equal(encodedHex(signed), v.encoded)
    t.same(decodeMessage('verdicts', bytes(v.encoded)), signed)
  }
})

tap.test('attestations: content, reportDigest, signatures, encoding', async t => {
  t.same(attestationFor(signedJob, signedCommitments, signedVerdicts, chainId, registry), attestations.attestation, 'the content of the vector messages')
  t.equal(reportDigest(attestations.attestation, chainId, registry), attestations.reportDigest)
  t.equal(attestations.signatures.length, 3)
  for (const a of attestations.signatures) {
    const signed = await signAttestation(attestations.attestation, chainId, registry, wallet(a.member))
    t.same(signed, { type: 'attestation', member: a.member, attestation: attestations.attestation, signature: a.signature })
    t.equal(recoverAttestationSigner(signed, chainId, registry), a.member)
    t.equal(encodedHex(signed), a.encoded)
    t.same(decodeMessage('attestations', bytes(a.encoded)), signed)
  }
})

tap.test('complaints: digest, signature, encoding', async t => {
  t.same(complaints.map(c => c.complaint.reason), ['UNWRAP_FAILED', 'CONTENT_MISMATCH'])
  for (const c of complaints) {
    t.equal(complaintDigest(c.complaint, chainId, registry), c.digest)
    const signed = await signComplaint(c.complaint, chainId, registry, wallet(c.complaint.member))
    t.equal(signed.signature, c.signature)
    t.equal(recoverComplaintSigner(signed, chainId, registry), c.complaint.member)
    t.equal(encodedHex(signed), c.encoded)
    t.same(decodeMessage('complaints', bytes(c.encoded)), signed)
  }
})

tap.test('report derives from the vector job, commitments, verdicts and attestations', async t => {
  t.equal(report.memberCount, 4)
  t.equal(report.verdicts.length, 3)
  t.equal(report.attestations.length, 3)
  const derived = deriveReport({
    job: signedJob,
    commitments: signedCommitments.toReversed(),
    verdicts: signedVerdicts.toReversed(),
    attestations: attestations.signatures.map(a => ({ member: a.member, signature: a.signature })).toReversed(),
    members,
    registrations,
    faultDivisor: 3,
    chainId,
    registry
  })
  t.same(derived, report)
  t.equal(JSON.stringify(derived), JSON.stringify(report), 'same key order too')
  t.doesNotThrow(() => checkReport(report, { members, registrations, faultDivisor: 3 }))
})

tap.test('timing: bounds from parameters, and a job\'s times', async t => {
  for (const p of timing.parameters) t.same(jobBoundsFrom(name => BigInt(p.values[name])), p.bounds, p.name)
  const { job } = timing
  t.same({ createdAt: job.createdAt, commitDeadline: job.commitDeadline, revealDeadline: job.revealDeadline },
    { createdAt: jobVector.job.createdAt, commitDeadline: jobVector.job.commitDeadline, revealDeadline: jobVector.job.revealDeadline }, 'the vector job\'s windows')
  t.equal(windowsWithinBounds(job, job.bounds), job.windowsWithinBounds)
  t.equal(attestAt(job, job.bounds), job.attestAt)
  t.equal(attestDeadline(job, job.bounds), job.attestDeadline)
  t.equal(jobEndsAt(job, job.bounds), job.jobEndsAt)
  t.equal(scanDeadline(job, job.bounds), job.scanDeadline)
})

tap.test('job age: the bound from its parameter, a member\'s check and a light client\'s', async t => {
  t.same([jobAge.defaultMaxJobAgeBlocks, jobAge.minMaxJobAgeBlocks, jobAge.maxMaxJobAgeBlocks], [DEFAULT_MAX_JOB_AGE_BLOCKS, MIN_MAX_JOB_AGE_BLOCKS, MAX_MAX_JOB_AGE_BLOCKS])
  for (const p of jobAge.parameters) t.equal(maxJobAgeBlocksFrom(BigInt(p.value)), p.maxJobAgeBlocks, p.name)
  for (const m of jobAge.members) t.equal(membershipBlockTooOld(m.membershipBlock, m.followedBlock, m.maxJobAgeBlocks), m.tooOld, m.name)
  for (const c of jobAge.lightClient) {
    t.equal(ageLimitBlock(c.membershipBlock, c.maxJobAgeBlocks), c.limitBlock, `${c.name}: limit block`)
    t.equal(createdPastAgeLimit(c.createdAt, c.limitTimestamp ?? undefined, c.clockSkewMs), c.createdPastAgeLimit, c.name)
  }
})

tap.test('quorum thresholds', async t => {
  for (const q of quorum) t.equal(quorumThreshold(q.memberCount, q.faultDivisor), q.threshold, `n=${q.memberCount} d=${q.faultDivisor}`)
})

tap.test('anchors: EpochRoot digest and signatures, leaves from the reports, root and proofs, eligibility', async t => {
  const { epochRoot } = anchors
  t.same([...ANCHOR_LEAF_TYPES], anchors.leafTypes)
  t.same(epochRange(epochRoot.epoch, anchors.epochBlocks), anchors.epochRange)
  t.equal(epochRootDigest(epochRoot, chainId, registry), anchors.digest)
  t.same(anchors.signatures.map(s => s.member), anchors.signatures.map(s => s.member).toSorted(), 'signers ascending, as ReportAnchors takes them')
  for (const s of anchors.signatures) {
    t.equal(await signEpochRoot(epochRoot, chainId, registry, wallet(s.member)), s.signature)
    t.equal(recoverEpochRootSigner(epochRoot, s.signature, chainId, registry), s.member)
  }
  const { message } = anchors.proposal
  t.same(message.jobIds, anchors.leaves.map(l => l.jobId).toSorted(), 'the proposal lists every leaf\'s job, ascending')
  t.same([message.epoch, message.root, message.leafCount], [epochRoot.epoch, epochRoot.root, epochRoot.leafCount])
  t.equal(anchorProposalDigest(message, chainId, registry), anchors.proposal.digest)
  t.equal(await signAnchorProposal(message, chainId, registry, wallet(message.proposer)), message.signature)
  t.equal(recoverAnchorProposalSigner(message, message.signature, chainId, registry), message.proposer)
  t.equal(encodedHex(message), anchors.proposal.encoded)
  t.same(decodeMessage('anchors', bytes(anchors.proposal.encoded)), message)
  t.same(anchors.reports[0], report, 'the first leaf is the report vector\'s')
  t.equal(anchors.leaves.length, epochRoot.leafCount)
  for (const [i, leaf] of anchors.leaves.entries()) {
    const served = anchors.reports[i] as Report
    t.doesNotThrow(() => checkReport(served, { members, registrations, faultDivisor: 3 }), `report ${i} is final`)
    t.same(leafOf(served), leaf.values, `leaf ${i} from its report`)
    t.equal(anchorLeafHash(leaf.values), leaf.leafHash)
    t.ok(verifyAnchorProof(epochRoot.root, leaf.values, leaf.proof), `proof ${i}`)
  }
  const tree = epochTree(anchors.leaves.map(l => l.values))
  t.equal(tree.root, epochRoot.root)
  for (const leaf of anchors.leaves) t.same(anchorProof(tree, leaf.jobId), leaf.proof)
  for (const e of anchors.eligibility) t.equal(isEligible({ membershipBlock: e.membershipBlock }, e.epoch, e.epochBlocks, e.maxJobAgeBlocks), e.eligible, e.name)
})
