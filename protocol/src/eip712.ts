/**
 * EIP-712 domain and types of the protocol. Job ids, commitments and verdict signatures are all
 * derived from these, so a contract or a light client can recompute them with any EIP-712 library.
 */
import { TypedDataEncoder } from 'ethers'
import type { TypedDataDomain, TypedDataField } from 'ethers'
import type { Complaint, Hex, ReportAttestation, ScanJob, Submission, Verdict, VerdictCommitment } from './messages.ts'

export const EIP712_NAME = 'VirusMap'
// 2: the report rules of protocol v2 (SPEC section 4); no v1 signature carries over
export const EIP712_VERSION = '2'

export function eip712Domain (chainId: number, registry: Hex): TypedDataDomain {
  return { name: EIP712_NAME, version: EIP712_VERSION, chainId, verifyingContract: registry }
}

const KeyWrap: TypedDataField[] = [
  { name: 'member', type: 'address' },
  { name: 'wrappedKey', type: 'bytes' }
]

const EngineResult: TypedDataField[] = [
  { name: 'engine', type: 'string' },
  { name: 'engineVersion', type: 'string' },
  { name: 'engineUpdate', type: 'string' },
  { name: 'category', type: 'string' },
  { name: 'result', type: 'string' },
  { name: 'method', type: 'string' }
]

/** One types object per primary type (ethers format: only the types reachable from the primary). */
export const EIP712_TYPES = {
  ScanJob: {
    ScanJob: [
      { name: 'kind', type: 'string' },
      { name: 'subject', type: 'string' },
      { name: 'context', type: 'string' },
      { name: 'sha256', type: 'bytes32' },
      { name: 'sha1', type: 'bytes20' },
      { name: 'md5', type: 'bytes16' },
      { name: 'size', type: 'uint64' },
      { name: 'fileType', type: 'string' },
      { name: 'cid', type: 'string' },
      { name: 'membershipBlock', type: 'uint64' },
      { name: 'origin', type: 'address' },
      { name: 'createdAt', type: 'uint64' },
      { name: 'commitDeadline', type: 'uint64' },
      { name: 'revealDeadline', type: 'uint64' },
      { name: 'ephemeralPublicKey', type: 'bytes32' },
      { name: 'keyWraps', type: 'KeyWrap[]' },
      { name: 'submitter', type: 'address' },
      { name: 'submittedAt', type: 'uint64' },
      { name: 'submitterSignature', type: 'bytes' }
    ],
    KeyWrap
  },
  Submission: {
    Submission: [
      { name: 'kind', type: 'string' },
      { name: 'sha256', type: 'bytes32' },
      { name: 'context', type: 'string' },
      { name: 'submittedAt', type: 'uint64' }
    ]
  },
  VerdictCommitment: {
    VerdictCommitment: [
      { name: 'jobId', type: 'bytes32' },
      { name: 'member', type: 'address' },
      { name: 'commitment', type: 'bytes32' }
    ]
  },
  Verdict: {
    Verdict: [
      { name: 'jobId', type: 'bytes32' },
      { name: 'member', type: 'address' },
      { name: 'sha256', type: 'bytes32' },
      { name: 'membershipBlock', type: 'uint64' },
      { name: 'scannedAt', type: 'uint64' },
      { name: 'results', type: 'EngineResult[]' }
    ],
    EngineResult
  },
  ReportAttestation: {
    ReportAttestation: [
      { name: 'jobId', type: 'bytes32' },
      { name: 'committed', type: 'address[]' },
      { name: 'commitments', type: 'bytes32[]' },
      { name: 'revealed', type: 'address[]' },
      { name: 'verdicts', type: 'bytes32[]' }
    ]
  },
  Complaint: {
    Complaint: [
      { name: 'jobId', type: 'bytes32' },
      { name: 'member', type: 'address' },
      { name: 'reason', type: 'string' }
    ]
  }
} satisfies Record<string, Record<string, TypedDataField[]>>

// Encoders are built once: TypedDataEncoder.from() validates and sorts the type graph on every call.
const scanJobEncoder = TypedDataEncoder.from(EIP712_TYPES.ScanJob)
const verdictEncoder = TypedDataEncoder.from(EIP712_TYPES.Verdict)

/** The job id: the EIP-712 digest of the ScanJob under this chain's domain (also the VT analysis id). */
export function scanJobId (job: ScanJob, chainId: number, registry: Hex): Hex {
  return TypedDataEncoder.hash(eip712Domain(chainId, registry), EIP712_TYPES.ScanJob, job) as Hex
}

const verdictHashes = new WeakMap<Verdict, Hex>()

/**
 * EIP-712 struct hash of a Verdict (domain-free; the jobId inside already binds the domain).
 * Validation, commitment opening and report derivation each need it: a frozen verdict (decoded
 * from the wire) is hashed once.
 */
export function verdictHash (verdict: Verdict): Hex {
  const known = verdictHashes.get(verdict)
  if (known !== undefined) return known
  const hash = verdictEncoder.hash(verdict) as Hex
  if (Object.isFrozen(verdict) && Object.isFrozen(verdict.results)) verdictHashes.set(verdict, hash)
  return hash
}

/** EIP-712 struct hash of a ScanJob. */
export function scanJobStructHash (job: ScanJob): Hex {
  return scanJobEncoder.hash(job) as Hex
}

/** EIP-712 digest of a VerdictCommitment (what the member signs). */
export function commitmentDigest (c: VerdictCommitment, chainId: number, registry: Hex): Hex {
  return TypedDataEncoder.hash(eip712Domain(chainId, registry), EIP712_TYPES.VerdictCommitment, c) as Hex
}

/** EIP-712 digest of a Verdict (what the member signs). */
export function verdictDigest (verdict: Verdict, chainId: number, registry: Hex): Hex {
  return TypedDataEncoder.hash(eip712Domain(chainId, registry), EIP712_TYPES.Verdict, verdict) as Hex
}

/** EIP-712 digest of a Submission (what the submitter's wallet signs). */
export function submissionDigest (s: Submission, chainId: number, registry: Hex): Hex {
  return TypedDataEncoder.hash(eip712Domain(chainId, registry), EIP712_TYPES.Submission, s) as Hex
}

/** The reportDigest: EIP-712 digest of a ReportAttestation, the same for every member that agrees on the content. */
export function reportDigest (a: ReportAttestation, chainId: number, registry: Hex): Hex {
  return TypedDataEncoder.hash(eip712Domain(chainId, registry), EIP712_TYPES.ReportAttestation, a) as Hex
}

/** EIP-712 digest of a Complaint (what the complaining member signs). */
export function complaintDigest (c: Complaint, chainId: number, registry: Hex): Hex {
  return TypedDataEncoder.hash(eip712Domain(chainId, registry), EIP712_TYPES.Complaint, c) as Hex
}
