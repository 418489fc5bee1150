/**
 * Deterministic actors and messages shared by the protocol tests and scripts/make-vectors.ts.
 * Keys are fixed so signatures (RFC 6979) and digests are reproducible; only key-wrap nonces are random.
 */
import { Wallet } from 'ethers'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  attestationFor, computeCommitment, DEFAULT_JOB_BOUNDS, DEFAULT_MAX_JOB_AGE_BLOCKS, indicatorDigests, scanJobId, signAttestation, signCommitment, signScanJob, signSubmission,
  signVerdict, wrapContentKey, ZERO_ADDRESS, ZERO_BYTES32
} from '../src/index.ts'
import type {
  EngineResult, Hex, IndicatorKind, ReportSignature, ScanJob, SignedAttestation, SignedCommitment, SignedScanJob, SignedVerdict, ValidationContext,
  Verdict
} from '../src/index.ts'

export const CHAIN_ID = 31337
export const REGISTRY = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex
export const MEMBERSHIP_BLOCK = 10
export const NOW = 1_800_000_000_000
export const CONTENT_KEY = Uint8Array.from({ length: 32 }, (_, i) => i)
export const SHA256 = '0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' as Hex

export interface Actor {
  wallet: Wallet
  address: Hex
  x25519SecretKey: Uint8Array
  x25519PublicKey: Uint8Array
}

export function actor (index: number): Actor {
  const wallet = new Wallet(`0x${(index + 1).toString(16).padStart(2, '0').repeat(32)}`)
  const x25519SecretKey = new Uint8Array(32).fill(0x40 + index)
  return { wallet, address: wallet.address.toLowerCase() as Hex, x25519SecretKey, x25519PublicKey: x25519.getPublicKey(x25519SecretKey) }
}

/** Four members (n = 4, quorum 3), sorted by address, plus an outsider. */
export const MEMBERS: Actor[] = [0, 1, 2, 3].map(actor).toSorted((a, b) => a.address < b.address ? -1 : 1)
export const OUTSIDER = actor(9)
export const EPHEMERAL_SECRET = new Uint8Array(32).fill(0x77)

/** Engines registered on chain to each member (index into MEMBERS): member 3 runs no ClamAV. */
export const MEMBER_ENGINES: string[][] = [
  ['ClamAV', 'YARA', 'clamav', 'heur', 'x', 'yara'],
  ['ClamAV', 'YARA', 'clamav', 'heur', 'x', 'yara'],
  ['ClamAV', 'YARA', 'clamav', 'heur', 'x', 'yara'],
  ['YARA', 'heur', 'x', 'yara']
]

/** engine id -> registered members, as checkReport takes it from the chain */
export const REGISTRATIONS: Record<string, Hex[]> = (() => {
  const out: Record<string, Hex[]> = {}
  MEMBER_ENGINES.forEach((engines, i) => { for (const e of engines) (out[e] ??= []).push((MEMBERS[i] as Actor).address) })
  return out
})()

export const hex = (bytes: Uint8Array): Hex => `0x${bytesToHex(bytes)}`
export const member = (i: number): Actor => MEMBERS[i] as Actor

export function makeJob (overrides: Partial<ScanJob> = {}): ScanJob {
  const origin = overrides.origin ?? member(0).address
  return {
    kind: 'file',
    subject: '',
    context: '',
    sha256: SHA256,
    sha1: '0xa94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
    md5: '0x098f6bcd4621d373cade4e832627b4f6',
    size: 4,
    fileType: 'text',
    cid: 'bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba',
    membershipBlock: MEMBERSHIP_BLOCK,
    origin,
    createdAt: NOW,
    commitDeadline: NOW + 60_000,
    revealDeadline: NOW + 120_000,
    ephemeralPublicKey: hex(x25519.getPublicKey(EPHEMERAL_SECRET)),
    keyWraps: MEMBERS.map(m => ({
      member: m.address,
      wrappedKey: wrapContentKey({ contentKey: CONTENT_KEY, ephemeralSecretKey: EPHEMERAL_SECRET, memberPublicKey: m.x25519PublicKey, member: m.address, sha256: SHA256 })
    })),
    submitter: ZERO_ADDRESS,
    submittedAt: 0,
    submitterSignature: '0x',
    ...overrides
  }
}

export const SUBMITTER = actor(7)

/** An indicator job for a canonical subject, signed by its submitter (SUBMITTER unless `by`), before the origin signs it. */
export async function makeIndicatorJob (kind: IndicatorKind, subject: string, overrides: Partial<ScanJob> = {}, by: Actor = SUBMITTER): Promise<ScanJob> {
  const { sha256, sha1, md5, size } = indicatorDigests(subject)
  const context = overrides.context ?? 'seen in a phishing mail'
  const submittedAt = NOW - 5000
  const submitterSignature = await signSubmission({ kind, sha256, context, submittedAt }, CHAIN_ID, REGISTRY, by.wallet)
  return makeJob({
    kind, subject, context, sha256, sha1, md5, size, fileType: kind, cid: '', ephemeralPublicKey: ZERO_BYTES32, keyWraps: [],
    submitter: by.address, submittedAt, submitterSignature, ...overrides
  })
}

export async function makeSignedJob (overrides: Partial<ScanJob> = {}, signer: Actor = member(0)): Promise<SignedScanJob> {
  return signScanJob(makeJob(overrides), CHAIN_ID, REGISTRY, signer.wallet)
}

export function result (engine: string, category: EngineResult['category'], label = '', extra: Partial<EngineResult> = {}): EngineResult {
  return { engine, engineVersion: '1.0.0', engineUpdate: '20261101', category, result: label, method: 'blacklist', ...extra }
}

export function makeVerdict (job: ScanJob, by: Actor, results: EngineResult[], scannedAt = NOW + 30_000): Verdict {
  return { jobId: scanJobId(job, CHAIN_ID, REGISTRY), member: by.address, sha256: job.sha256, membershipBlock: job.membershipBlock, scannedAt, results }
}

export function saltFor (by: Actor): Hex {
  return `0x${by.address.slice(2, 4).repeat(32)}`
}

/** The verdict, its opening salt, and the commitment to it, all signed by `by`. */
export async function makeReveal (job: ScanJob, by: Actor, results: EngineResult[], scannedAt?: number): Promise<{ commit: SignedCommitment, reveal: SignedVerdict }> {
  const verdict = makeVerdict(job, by, results, scannedAt)
  const salt = saltFor(by)
  const commit = await signCommitment({ jobId: verdict.jobId, member: by.address, commitment: computeCommitment(verdict, salt) }, CHAIN_ID, REGISTRY, by.wallet)
  const reveal = await signVerdict(verdict, salt, CHAIN_ID, REGISTRY, by.wallet)
  return { commit, reveal }
}

/** Each of `by` attests to the content of these commitments and verdicts (SPEC section 7). */
export async function makeAttestations (job: SignedScanJob, commitments: SignedCommitment[], verdicts: SignedVerdict[], by: Actor[]): Promise<SignedAttestation[]> {
  const content = attestationFor(job, commitments, verdicts, CHAIN_ID, REGISTRY)
  return Promise.all(by.map(a => signAttestation(content, CHAIN_ID, REGISTRY, a.wallet)))
}

/** What a report carries of an attestation. */
export const reportSignatures = (attestations: SignedAttestation[]): ReportSignature[] => attestations.map(a => ({ member: a.member, signature: a.signature }))

/** A validation context over an in-memory view of the chain and of what this node has seen. */
export function makeContext (state: {
  now?: number
  jobs?: ScanJob[]
  commitments?: Array<[Hex, Hex, Hex]>
  /** a member's second, different commitment: [jobId, member, commitment] */
  conflicting?: Array<[Hex, Hex, Hex]>
  verdictHashes?: Array<[Hex, Hex, Hex]>
  attestations?: Array<[Hex, Hex, Hex]>
  complaints?: Array<[Hex, Hex]>
  submissions?: Array<[Hex, Hex]>
} = {}): ValidationContext {
  const jobs = new Map((state.jobs ?? []).map(j => [scanJobId(j, CHAIN_ID, REGISTRY), j]))
  const commitments = new Map((state.commitments ?? []).map(([j, m, c]) => [`${j}/${m}`, c]))
  const conflicting = new Map((state.conflicting ?? []).map(([j, m, c]) => [`${j}/${m}`, c]))
  const verdictHashes = new Map((state.verdictHashes ?? []).map(([j, m, h]) => [`${j}/${m}`, h]))
  const attestations = new Map((state.attestations ?? []).map(([j, m, d]) => [`${j}/${m}`, d]))
  const complaints = new Set((state.complaints ?? []).map(([j, m]) => `${j}/${m}`))
  const submissions = new Map(state.submissions ?? [])
  const members = MEMBERS.map(m => m.address)
  return {
    chainId: CHAIN_ID,
    registry: REGISTRY,
    now: state.now ?? NOW + 1000,
    maxSampleBytes: 32 * 1024 * 1024,
    followedBlock: MEMBERSHIP_BLOCK + 2,
    maxJobAgeBlocks: DEFAULT_MAX_JOB_AGE_BLOCKS,
    isMemberAt: (address, block) => block >= MEMBERSHIP_BLOCK && members.includes(address),
    membersAt: block => (block >= MEMBERSHIP_BLOCK ? members : []),
    enginesAt: (address, block) => (block >= MEMBERSHIP_BLOCK ? MEMBER_ENGINES[members.indexOf(address)] ?? [] : []),
    boundsAt: () => ({ ...DEFAULT_JOB_BOUNDS, clockSkewMs: 2000 }),
    getJob: jobId => jobs.get(jobId),
    getCommitment: (jobId, m) => commitments.get(`${jobId}/${m}`),
    getConflictingCommitment: (jobId, m) => conflicting.get(`${jobId}/${m}`),
    commitmentCount: jobId => [...commitments.keys()].filter(k => k.startsWith(`${jobId}/`)).length,
    getVerdictHash: (jobId, m) => verdictHashes.get(`${jobId}/${m}`),
    getAttestation: (jobId, m) => attestations.get(`${jobId}/${m}`),
    hasComplaint: (jobId, m) => complaints.has(`${jobId}/${m}`),
    jobForSubmission: digest => submissions.get(digest)
  }
}
