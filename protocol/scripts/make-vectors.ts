/**
 * Writes protocol/test/vectors/*.json: fixed keys and inputs with the bytes, digests, signatures and
 * report this implementation derives from them, so other implementations can check themselves.
 * Run: npx node protocol/scripts/make-vectors.ts (key-wrap nonces are random: re-running changes
 * the wraps, hence the job id and everything signed after it; the vectors test checks consistency).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  ageLimitBlock, ANCHOR_LEAF_TYPES, anchorLeafHash, anchorProof, anchorProposalDigest, signAnchorProposal, attestationFor, attestAt, attestDeadline, createdPastAgeLimit, DEFAULT_MAX_JOB_AGE_BLOCKS, MAX_MAX_JOB_AGE_BLOCKS, maxJobAgeBlocksFrom,
  membershipBlockTooOld, MIN_MAX_JOB_AGE_BLOCKS, commitmentDigest, complaintDigest, DEFAULT_JOB_BOUNDS, deriveReport, EIP712_TYPES, eip712Domain,
  encodeMessage, epochRange, epochRootDigest, epochTree, isEligible, leafOf, signEpochRoot, treeLeaves, JOB_BOUND_PARAMETERS, jobBoundsFrom, jobEndsAt, KEY_WRAP_INFO, quorumThreshold, reportDigest, scanDeadline, scanJobId,
  scanJobStructHash, signAttestation, signComplaint, submissionDigest, submissionOf, verdictDigest, verdictHash, windowsWithinBounds
} from '../src/index.ts'
import type { GossipMessage, Hex, JobBounds } from '../src/index.ts'
import {
  CHAIN_ID, CONTENT_KEY, EPHEMERAL_SECRET, hex, makeIndicatorJob, makeReveal, makeSignedJob, member, MEMBER_ENGINES, MEMBERS, REGISTRATIONS, REGISTRY,
  reportSignatures, SHA256, SUBMITTER
} from '../test/fixtures.ts'
import { FILE_VOTES, otherReports } from '../test/anchor-fixtures.ts'

const dir = join(import.meta.dirname, '..', 'test', 'vectors')
const encoded = (msg: GossipMessage): string => `0x${bytesToHex(encodeMessage(msg))}`

const signedJob = await makeSignedJob()
const { job } = signedJob
const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
// n = 4: members 0, 1 and 2 reveal; member 3 (no ClamAV registered) commits and withholds its verdict
const votes = FILE_VOTES
const opened = await Promise.all(votes.map((results, i) => makeReveal(job, member(i), results, job.createdAt + 20_000 + i)))
const commitments = opened.map(o => o.commit)
const reveals = opened.slice(0, 3).map(o => o.reveal)
const content = attestationFor(signedJob, commitments, reveals, CHAIN_ID, REGISTRY)
// three attestations, one of them by the member that withheld: attesters need not be revealers
const attestations = await Promise.all([0, 2, 3].map(i => signAttestation(content, CHAIN_ID, REGISTRY, member(i).wallet)))
const report = deriveReport({
  job: signedJob, commitments, verdicts: reveals, attestations: reportSignatures(attestations), members: MEMBERS.map(m => m.address),
  registrations: REGISTRATIONS, faultDivisor: 3, chainId: CHAIN_ID, registry: REGISTRY
})
const complaints = await Promise.all([
  signComplaint({ jobId, member: member(2).address, reason: 'UNWRAP_FAILED' }, CHAIN_ID, REGISTRY, member(2).wallet),
  signComplaint({ jobId, member: member(3).address, reason: 'CONTENT_MISMATCH' }, CHAIN_ID, REGISTRY, member(3).wallet)
])

const indicator = await makeSignedJob(await makeIndicatorJob('url', 'http://example.com/login'))

/** NetworkParameters values as the chain returns them (uint256, decimal; "0" = never set), and the bounds they stand for. */
const UINT256_MAX = (2n ** 256n - 1n).toString()
const parameterSets: Array<[string, Partial<Record<keyof JobBounds, string>>]> = [
  ['nothing set', {}],
  ['every value set', { minCommitWindowMs: '2000', maxCommitWindowMs: '600000', minRevealWindowMs: '1500', maxRevealWindowMs: '30000', attestWindowMs: '8000', clockSkewMs: '250' }],
  ['exactly a day', { maxCommitWindowMs: '86400000', attestWindowMs: '86400000' }],
  ['over a day, and uint256 max', { attestWindowMs: '86400001', clockSkewMs: UINT256_MAX }],
  ['a min above its max: that pair falls back', { minCommitWindowMs: '400000', maxRevealWindowMs: '45000' }],
  ['a max below the default min', { maxRevealWindowMs: '500' }]
]
const timing = {
  parameters: parameterSets.map(([name, values]) => ({
    name,
    values: Object.fromEntries(JOB_BOUND_PARAMETERS.map(p => [p, values[p] ?? '0'])),
    bounds: jobBoundsFrom(p => BigInt(values[p] ?? '0'))
  })),
  job: {
    createdAt: job.createdAt,
    commitDeadline: job.commitDeadline,
    revealDeadline: job.revealDeadline,
    bounds: DEFAULT_JOB_BOUNDS,
    windowsWithinBounds: windowsWithinBounds(job, DEFAULT_JOB_BOUNDS),
    attestAt: attestAt(job, DEFAULT_JOB_BOUNDS),
    attestDeadline: attestDeadline(job, DEFAULT_JOB_BOUNDS),
    jobEndsAt: jobEndsAt(job, DEFAULT_JOB_BOUNDS),
    scanDeadline: scanDeadline(job, DEFAULT_JOB_BOUNDS)
  }
}

const ageParameters: Array<[string, string]> = [
  ['never set', '0'], ['a day of 12 s blocks', '7200'], ['the least taken', '16'], ['below it', '15'],
  ['the most taken', '1000000'], ['above it', '1000001'], ['uint256 max', UINT256_MAX]
]
const memberAges: Array<[string, number, number, number]> = [
  ['the followed block itself', 1000, 1000, 7200], ['exactly the bound behind', 2800, 10_000, 7200],
  ['one block more', 2799, 10_000, 7200], ['a founding block under a tight bound', 5, 200, 64]
]
const clientAges: Array<[string, number, number, number, number | null, number]> = [
  ['limit block not mined yet', 100, 7200, 1_780_000_000_000, null, 1000],
  ['created before the limit block', 100, 7200, 1_780_000_000_000, 1_780_000_100, 1000],
  ['created at the end of the limit block\'s second plus the skew', 100, 7200, 1_780_000_102_000, 1_780_000_100, 1000],
  ['a millisecond later', 100, 7200, 1_780_000_102_001, 1_780_000_100, 1000],
  ['a day after the limit block', 5, 64, 1_780_086_400_000, 1_780_000_000, 1000]
]
const jobAge = {
  defaultMaxJobAgeBlocks: DEFAULT_MAX_JOB_AGE_BLOCKS,
  minMaxJobAgeBlocks: MIN_MAX_JOB_AGE_BLOCKS,
  maxMaxJobAgeBlocks: MAX_MAX_JOB_AGE_BLOCKS,
  parameters: ageParameters.map(([name, value]) => ({ name, value, maxJobAgeBlocks: maxJobAgeBlocksFrom(BigInt(value)) })),
  members: memberAges.map(([name, membershipBlock, followedBlock, maxJobAgeBlocks]) =>
    ({ name, membershipBlock, followedBlock, maxJobAgeBlocks, tooOld: membershipBlockTooOld(membershipBlock, followedBlock, maxJobAgeBlocks) })),
  lightClient: clientAges.map(([name, membershipBlock, maxJobAgeBlocks, createdAt, limitTimestamp, clockSkewMs]) => ({
    name, membershipBlock, maxJobAgeBlocks, limitBlock: ageLimitBlock(membershipBlock, maxJobAgeBlocks), createdAt, limitTimestamp, clockSkewMs,
    createdPastAgeLimit: createdPastAgeLimit(createdAt, limitTimestamp ?? undefined, clockSkewMs)
  }))
}

/** Epoch 1 of 8 blocks (8..15) holds the report vector (block 10) and two more final reports; members 0, 1 and 2 sign its root. */
const anchorReports = [report, ...await otherReports()]
const tree = epochTree(anchorReports)
const epochRoot = { epoch: 1, root: tree.root as Hex, leafCount: anchorReports.length }
const epochSigners = [0, 1, 2].map(member).toSorted((a, b) => a.address < b.address ? -1 : 1)
const eligibility: Array<[string, number, number, number, number]> = [
  ['in the epoch', 10, 1, 8, 7200], ['the epoch\'s last block', 15, 1, 8, 7200], ['the next epoch\'s first block', 16, 1, 8, 7200],
  ['exactly maxJobAgeBlocks before its start', 936, 100, 10, 64], ['one block more', 935, 100, 10, 64]
]
const proposedRoot = { ...epochRoot, jobIds: anchorReports.map(r => r.jobId).toSorted() }
const proposal = { type: 'anchor-proposal' as const, epoch: 1, proposer: member(1).address, jobIds: proposedRoot.jobIds, leaves: treeLeaves(tree), root: epochRoot.root, leafCount: epochRoot.leafCount,
  signature: await signAnchorProposal(proposedRoot, CHAIN_ID, REGISTRY, member(1).wallet) }
const anchors = {
  epochBlocks: 8,
  epochRange: epochRange(1, 8),
  epochRoot,
  digest: epochRootDigest(epochRoot, CHAIN_ID, REGISTRY),
  signatures: await Promise.all(epochSigners.map(async m => ({ member: m.address, signature: await signEpochRoot(epochRoot, CHAIN_ID, REGISTRY, m.wallet) }))),
  proposal: { message: proposal, digest: anchorProposalDigest(proposedRoot, CHAIN_ID, REGISTRY), encoded: encoded(proposal) },
  leafTypes: ANCHOR_LEAF_TYPES,
  reports: anchorReports,
  leaves: anchorReports.map(r => ({ jobId: r.jobId, values: leafOf(r), leafHash: anchorLeafHash(leafOf(r)), proof: anchorProof(tree, r.jobId) })),
  eligibility: eligibility.map(([name, membershipBlock, epoch, epochBlocks, maxJobAgeBlocks]) =>
    ({ name, membershipBlock, epoch, epochBlocks, maxJobAgeBlocks, eligible: isEligible({ membershipBlock }, epoch, epochBlocks, maxJobAgeBlocks) }))
}

const vectors: Record<string, unknown> = {
  keys: {
    chainId: CHAIN_ID,
    registry: REGISTRY,
    domain: eip712Domain(CHAIN_ID, REGISTRY),
    types: EIP712_TYPES,
    members: MEMBERS.map((m, i) => ({
      privateKey: m.wallet.privateKey, address: m.address, x25519SecretKey: hex(m.x25519SecretKey), x25519PublicKey: hex(m.x25519PublicKey),
      engines: MEMBER_ENGINES[i]
    }))
  },
  'key-wrap': {
    info: KEY_WRAP_INFO,
    contentKey: hex(CONTENT_KEY),
    sha256: SHA256,
    ephemeralSecretKey: hex(EPHEMERAL_SECRET),
    ephemeralPublicKey: job.ephemeralPublicKey,
    wraps: job.keyWraps.map((w, i) => ({ ...w, memberSecretKey: hex(member(i).x25519SecretKey) }))
  },
  'scan-job': {
    job,
    structHash: scanJobStructHash(job),
    jobId,
    signer: job.origin,
    signature: signedJob.signature,
    encoded: encoded(signedJob)
  },
  'indicator-job': {
    rawSubject: 'HTTP://Example.COM:80/login#top',
    job: indicator.job,
    submission: submissionOf(indicator.job),
    submissionDigest: submissionDigest(submissionOf(indicator.job), CHAIN_ID, REGISTRY),
    submitterPrivateKey: SUBMITTER.wallet.privateKey,
    structHash: scanJobStructHash(indicator.job),
    jobId: scanJobId(indicator.job, CHAIN_ID, REGISTRY),
    signer: indicator.job.origin,
    signature: indicator.signature,
    encoded: encoded(indicator)
  },
  commitments: opened.map(({ commit, reveal }) => ({
    verdictHash: verdictHash(reveal.verdict),
    salt: reveal.salt,
    commitment: commit.commitment,
    digest: commitmentDigest(commit.commitment, CHAIN_ID, REGISTRY),
    signature: commit.signature,
    encoded: encoded(commit)
  })),
  verdicts: reveals.map(reveal => ({
    verdict: reveal.verdict,
    salt: reveal.salt,
    verdictHash: verdictHash(reveal.verdict),
    digest: verdictDigest(reveal.verdict, CHAIN_ID, REGISTRY),
    signature: reveal.signature,
    encoded: encoded(reveal)
  })),
  attestations: {
    attestation: content,
    reportDigest: reportDigest(content, CHAIN_ID, REGISTRY),
    signatures: attestations.map(a => ({ member: a.member, signature: a.signature, encoded: encoded(a) }))
  },
  complaints: complaints.map(c => ({
    complaint: c.complaint,
    digest: complaintDigest(c.complaint, CHAIN_ID, REGISTRY),
    signature: c.signature,
    encoded: encoded(c)
  })),
  report,
  quorum: [3, 2, 4].flatMap((faultDivisor) =>
    Array.from({ length: 10 }, (_, i) => ({ memberCount: i + 1, faultDivisor, threshold: quorumThreshold(i + 1, faultDivisor) }))),
  timing,
  'job-age': jobAge,
  anchors
}

await mkdir(dir, { recursive: true })
for (const [name, value] of Object.entries(vectors)) {
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`)
}
console.log(`wrote ${Object.keys(vectors).length} vector files to ${dir}`)
