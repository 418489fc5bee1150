/**
 * EIP-712 domain and types of the protocol. Job ids, commitments and verdict signatures are all
 * derived from these, so a contract or a light client can recompute them with any EIP-712 library.
 * The hashing itself is eip712-hash.js, the one piece the web page runs too.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { recover } from 'tiny-secp256k1'
import type { RecoveryIdType } from 'tiny-secp256k1'
import type { TypedDataDomain, TypedDataField } from 'ethers'
import { createVerifier, DOMAIN, TYPES, typeDependencies } from './eip712-hash.js'
import type { Verifier } from './eip712-hash.js'
import type { Complaint, Hex, ReportAttestation, ScanJob, Submission, Verdict, VerdictCommitment } from './messages.ts'

export const EIP712_NAME = DOMAIN.name
// 2: the report rules of protocol v2 (SPEC section 4); no v1 signature carries over
export const EIP712_VERSION = DOMAIN.version

export function eip712Domain (chainId: number, registry: Hex): TypedDataDomain {
  return { name: EIP712_NAME, version: EIP712_VERSION, chainId, verifyingContract: registry }
}

type PrimaryType = 'ScanJob' | 'Submission' | 'VerdictCommitment' | 'Verdict' | 'ReportAttestation' | 'Complaint' | 'EpochRoot' | 'AnchorProposal' | 'RewardsRoot' | 'Receipt' | 'Delivered' | 'HuntMatch' | 'HuntAccess'

const fieldsOf = (name: string): TypedDataField[] => (TYPES[name] ?? []).map(([type, field]) => ({ name: field, type }))

/** ethers' format of one primary type: the primary and only the structs reachable from it. */
function ethersTypes (primary: PrimaryType): Record<string, TypedDataField[]> {
  return Object.fromEntries([primary, ...typeDependencies(primary)].map(name => [name, fieldsOf(name)]))
}

/** One types object per primary type, for wallets and ethers' signTypedData. */
export const EIP712_TYPES: Readonly<Record<PrimaryType, Record<string, TypedDataField[]>>> = {
  ScanJob: ethersTypes('ScanJob'),
  Submission: ethersTypes('Submission'),
  VerdictCommitment: ethersTypes('VerdictCommitment'),
  Verdict: ethersTypes('Verdict'),
  ReportAttestation: ethersTypes('ReportAttestation'),
  Complaint: ethersTypes('Complaint'),
  EpochRoot: ethersTypes('EpochRoot'),
  AnchorProposal: ethersTypes('AnchorProposal'),
  RewardsRoot: ethersTypes('RewardsRoot'),
  Receipt: ethersTypes('Receipt'),
  Delivered: ethersTypes('Delivered'),
  HuntMatch: ethersTypes('HuntMatch'),
  HuntAccess: ethersTypes('HuntAccess')
}

/** The uncompressed (65-byte) public key that signed `hash` with r ‖ s and recovery id `v`; throws or answers null for no key. */
export type RecoverPublicKey = (hash: Uint8Array, rs: Uint8Array, v: number) => Uint8Array | null

/** libsecp256k1 compiled to wasm (tiny-secp256k1): the recovery that runs anywhere, a browser included. */
export const wasmRecoverPublicKey: RecoverPublicKey = (hash, rs, v) => recover(hash, rs, v as RecoveryIdType, false)

let recoverPublicKey: RecoverPublicKey = wasmRecoverPublicKey

/** Keccak-256 of `bytes`, as noble's keccak_256 answers it. */
export type Keccak256 = (bytes: Uint8Array) => Uint8Array

let keccakImpl: Keccak256 = keccak_256

/**
 * Keccak-256 by noble's JavaScript until a node passes a native build through useKeccak256: every digest
 * the protocol computes (job ids, struct hashes, commitments, anchor trees) goes through it, about a
 * hundred a job on each member.
 */
export const keccak256: Keccak256 = (bytes) => keccakImpl(bytes)

/**
 * Makes `keccak` the protocol's Keccak-256 from now on: a node passes the one built for its machine
 * (node/src/crypto/native-keccak.ts), which answers as noble's does, faster. The protocol imports
 * nothing native, so the browser and the extension keep noble's.
 */
export function useKeccak256 (keccak: Keccak256): void {
  keccakImpl = keccak
}

/**
 * The protocol's hasher and recoverer over keccak256 (above), noble's sha256 and secp256k1, recovering
 * signers with `recoverer` (libsecp256k1 in wasm unless told otherwise). The web page runs the same
 * hasher over noble alone.
 */
export function protocolVerifier (recoverer: RecoverPublicKey = wasmRecoverPublicKey): Verifier {
  return createVerifier({ keccak_256: keccak256, sha256, secp256k1, recoverPublicKey: recoverer })
}

/**
 * The one verifier every signature of the protocol goes through. It recovers with libsecp256k1 in wasm
 * (290 us a signature against 650 us for noble's verification with the signer's tables kept, measured
 * side by side here) until a node passes a native build through useRecoverPublicKey; a node checks
 * about ten signatures per job.
 */
export const eip712 = protocolVerifier((hash, rs, v) => recoverPublicKey(hash, rs, v))

/**
 * Makes `recoverer` the eip712 verifier's public-key recovery from now on: a node passes libsecp256k1
 * built for its machine (node/src/crypto/native-recover.ts), which answers as the wasm build does, faster.
 * The protocol itself imports nothing native, so the browser and the extension keep the wasm build.
 */
export function useRecoverPublicKey (recoverer: RecoverPublicKey): void {
  recoverPublicKey = recoverer
}

const digestOf = (primary: PrimaryType, value: object, chainId: number, registry: Hex): Hex => eip712.digest(primary, value, chainId, registry) as Hex

/** The job id: the EIP-712 digest of the ScanJob under this chain's domain (also the VT analysis id). */
export function scanJobId (job: ScanJob, chainId: number, registry: Hex): Hex {
  return digestOf('ScanJob', job, chainId, registry)
}

/**
 * EIP-712 struct hash of a Verdict (domain-free; the jobId inside already binds the domain).
 * The hasher keeps it for a deeply frozen verdict (decoded from the wire, or signed here).
 */
export function verdictHash (verdict: Verdict): Hex {
  return eip712.structHash('Verdict', verdict) as Hex
}

/** EIP-712 struct hash of a ScanJob. */
export function scanJobStructHash (job: ScanJob): Hex {
  return eip712.structHash('ScanJob', job) as Hex
}

/** EIP-712 digest of a VerdictCommitment (what the member signs). */
export function commitmentDigest (c: VerdictCommitment, chainId: number, registry: Hex): Hex {
  return digestOf('VerdictCommitment', c, chainId, registry)
}

/** EIP-712 digest of a Verdict (what the member signs). */
export function verdictDigest (verdict: Verdict, chainId: number, registry: Hex): Hex {
  return digestOf('Verdict', verdict, chainId, registry)
}

/** EIP-712 digest of a Submission (what the submitter's wallet signs). */
export function submissionDigest (s: Submission, chainId: number, registry: Hex): Hex {
  return digestOf('Submission', s, chainId, registry)
}

/** The reportDigest: EIP-712 digest of a ReportAttestation, the same for every member that agrees on the content. */
export function reportDigest (a: ReportAttestation, chainId: number, registry: Hex): Hex {
  return digestOf('ReportAttestation', a, chainId, registry)
}

/** EIP-712 digest of a Complaint (what the complaining member signs). */
export function complaintDigest (c: Complaint, chainId: number, registry: Hex): Hex {
  return digestOf('Complaint', c, chainId, registry)
}
