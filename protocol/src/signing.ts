/**
 * Signing and recovery of the gossip messages (EIP-712, secp256k1 operator keys) and of
 * the Submission a submitter's wallet signs.
 * Recovered addresses are lowercase, like every address in the protocol.
 */
import { BaseWallet } from 'ethers'
import type { Signer } from 'ethers'
import { signRecoverable } from 'tiny-secp256k1'
import { deepFreeze } from './deep-freeze.ts'
import { bytesToHex, hexToBytes } from './eip712-hash.js'
import { commitmentDigest, complaintDigest, eip712, EIP712_TYPES, eip712Domain, reportDigest, scanJobId, submissionDigest, verdictDigest, verdictHash } from './eip712.ts'
import type {
  Complaint, Hex, ReportAttestation, ScanJob, SignedAttestation, SignedCommitment, SignedComplaint, SignedScanJob, SignedVerdict,
  Submission, Verdict, VerdictCommitment
} from './messages.ts'

export async function signScanJob (job: ScanJob, chainId: number, registry: Hex, signer: Signer): Promise<SignedScanJob> {
  return await signed(signer, chainId, registry, job, 'ScanJob', (signature) => ({ type: 'scan-job', job, signature }))
}

/** Throws SignatureError when the signature is not a member's canonical spelling (recoverMember). */
export function recoverScanJobSigner (msg: SignedScanJob, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.job, chainId, registry, () => recoverMember(scanJobId(msg.job, chainId, registry), msg.signature, msg.job.origin))
}

const SALT = /^0x[0-9a-fA-F]*$/

/**
 * keccak256(verdictHash(verdict) || salt): binds the member to a verdict it cannot change after the commit window.
 * Computed by the protocol's hasher, which keeps a frozen verdict's struct hash (ethers' concat and keccak256
 * cost twice as much, and members open every verdict three times: to validate it, to attest, to derive the report).
 */
export function computeCommitment (verdict: Verdict, salt: Hex): Hex {
  // the spelling ethers took (0x and whole bytes), where the hasher alone would also take bare hex
  if (typeof salt !== 'string' || !SALT.test(salt) || salt.length % 2 !== 0) throw new TypeError('salt must be 0x-prefixed hex')
  return eip712.commitment(verdict, salt) as Hex
}

export async function signCommitment (c: VerdictCommitment, chainId: number, registry: Hex, signer: Signer): Promise<SignedCommitment> {
  return await signed(signer, chainId, registry, c, 'VerdictCommitment', (signature) => ({ type: 'commitment', commitment: c, signature }))
}

export function recoverCommitmentSigner (msg: SignedCommitment, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.commitment, chainId, registry, () => recoverMember(commitmentDigest(msg.commitment, chainId, registry), msg.signature, msg.commitment.member))
}

/** The signature covers the Verdict only; the salt rides along to open the (separately signed) commitment. */
export async function signVerdict (verdict: Verdict, salt: Hex, chainId: number, registry: Hex, signer: Signer): Promise<SignedVerdict> {
  return await signed(signer, chainId, registry, verdict, 'Verdict', (signature) => ({ type: 'verdict', verdict, salt, signature }))
}

export function recoverVerdictSigner (msg: SignedVerdict, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.verdict, chainId, registry, () => recoverMember(verdictDigest(msg.verdict, chainId, registry), msg.signature, msg.verdict.member))
}

/** Signs the content this member holds for a job (every member that holds the same signs the same digest). */
export async function signAttestation (attestation: ReportAttestation, chainId: number, registry: Hex, signer: Signer): Promise<SignedAttestation> {
  const member = lower(await signer.getAddress())
  return await signed(signer, chainId, registry, attestation, 'ReportAttestation', (signature) => ({ type: 'attestation', member, attestation, signature }))
}

/** Who signed `signature` over this reportDigest (`claimed`: who the caller expects); throws when it does not recover. */
export function recoverReportSigner (digest: Hex, signature: Hex, claimed?: Hex): Hex {
  return recoverMember(digest, signature, claimed)
}

export function recoverAttestationSigner (msg: SignedAttestation, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.attestation, chainId, registry, () => recoverMember(reportDigest(msg.attestation, chainId, registry), msg.signature, msg.member))
}

export async function signComplaint (complaint: Complaint, chainId: number, registry: Hex, signer: Signer): Promise<SignedComplaint> {
  return await signed(signer, chainId, registry, complaint, 'Complaint', (signature) => ({ type: 'complaint', complaint, signature }))
}

export function recoverComplaintSigner (msg: SignedComplaint, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.complaint, chainId, registry, () => recoverMember(complaintDigest(msg.complaint, chainId, registry), msg.signature, msg.complaint.member))
}

/**
 * The attestation content for a job from the commitments and verdicts held: one of each per member
 * (the first given wins; callers hold one), ascending by member, a verdict only beside its member's commitment.
 */
export function attestationFor (job: SignedScanJob, commitments: SignedCommitment[], verdicts: SignedVerdict[], chainId: number, registry: Hex): ReportAttestation {
  const jobId = scanJobId(job.job, chainId, registry)
  const byMember = new Map<Hex, Hex>()
  for (const c of commitments) if (!byMember.has(c.commitment.member)) byMember.set(c.commitment.member, c.commitment.commitment)
  const revealedBy = new Map<Hex, Hex>()
  for (const v of verdicts) {
    if (byMember.has(v.verdict.member) && !revealedBy.has(v.verdict.member)) revealedBy.set(v.verdict.member, verdictHash(v.verdict))
  }
  const committed = [...byMember.keys()].toSorted()
  const revealed = [...revealedBy.keys()].toSorted()
  return {
    jobId,
    committed,
    commitments: committed.map(m => byMember.get(m) as Hex),
    revealed,
    verdicts: revealed.map(m => revealedBy.get(m) as Hex)
  }
}

/**
 * The commitments an attestation names (SPEC 7), from every commitment held, a member's second,
 * conflicting one included: a member that revealed is named with the commitment its verdict opens, so
 * it does not matter which of an equivocator's two commitments a node saw first; an equivocator that
 * did not reveal is left out, as every honest member holds both by the time it attests.
 */
export function contentCommitments (held: SignedCommitment[], conflicting: SignedCommitment[], verdicts: SignedVerdict[]): SignedCommitment[] {
  const opened = new Map<Hex, Hex>()
  for (const v of verdicts) opened.set(v.verdict.member, computeCommitment(v.verdict, v.salt))
  const equivocated = new Set(conflicting.map((c) => c.commitment.member))
  const out: SignedCommitment[] = []
  for (const c of [...held, ...conflicting]) {
    const { member, commitment } = c.commitment
    const opens = opened.get(member)
    if (opens === undefined ? !equivocated.has(member) : opens === commitment) out.push(c)
  }
  return out
}

/** The submitter's signature, for ScanJob.submitterSignature. */
export async function signSubmission (submission: Submission, chainId: number, registry: Hex, signer: Signer): Promise<Hex> {
  return await signTyped(signer, 'Submission', submission, chainId, registry)
}

/**
 * Throws when the signature is not a valid canonical (low s) secp256k1 signature. A wallet's
 * signature may carry v 0/1 as well as 27/28.
 */
export function recoverSubmissionSigner (submission: Submission, signature: Hex, chainId: number, registry: Hex): Hex {
  return recoverSigner(submissionDigest(submission, chainId, registry), signature, undefined, true)
}

/** The Submission a job's submitter signed. */
export function submissionOf (job: ScanJob): Submission {
  return { kind: job.kind, sha256: job.sha256, context: job.context, submittedAt: job.submittedAt }
}

/** A signature that is not 65 bytes of a canonical (low s) secp256k1 signature recovering an address. */
export class SignatureError extends Error {
  override name = 'SignatureError'
  readonly code = 'BAD_SIGNATURE'
  constructor () { super('not a canonical 65-byte secp256k1 signature') }
}

/**
 * A member's signature in its one spelling, as OpenZeppelin's ECDSA takes it: r ‖ s ‖ v with v 27 or 28
 * and a low s, so one signed message has one encoding (and one gossip id). `claimed` is the address the
 * message names: when its key is known, checking costs a verification instead of a recovery.
 */
export function recoverMember (digest: Hex, signature: Hex, claimed?: Hex): Hex {
  return recoverSigner(digest, signature, claimed, false)
}

/** `wallet`: a submitter's signature, which may also carry v 0/1 */
function recoverSigner (digest: Hex, signature: Hex, claimed: Hex | undefined, wallet: boolean): Hex {
  const signer = eip712.recoverDigest(digest, signature, claimed, wallet)
  if (signer === undefined) throw new SignatureError()
  return signer as Hex
}

type SignedType = keyof typeof EIP712_TYPES

/**
 * An operator key (an ethers Wallet) signs the digest the protocol computes; any other signer (a
 * browser wallet, a JSON-RPC account) is asked through signTypedData, which signs the same digest.
 */
export async function signTyped (signer: Signer, primary: SignedType, value: object, chainId: number, registry: Hex): Promise<Hex> {
  if (signer instanceof BaseWallet) return signDigest(signer, eip712.digest(primary, value, chainId, registry))
  return await signer.signTypedData(eip712Domain(chainId, registry), EIP712_TYPES[primary], value as Record<string, unknown>) as Hex
}

/** libsecp256k1's RFC 6979 signature over a 32-byte digest: r ‖ s (low s) and the recovery id */
export type SignRecoverable = (digest: Uint8Array, secretKey: Uint8Array) => { signature: Uint8Array, recoveryId: number }

/** libsecp256k1 compiled to wasm (tiny-secp256k1): the signing that runs anywhere, a browser included */
export const wasmSignRecoverable: SignRecoverable = (digest, secretKey) => signRecoverable(digest, secretKey)

let signRecoverableWith: SignRecoverable = wasmSignRecoverable

/**
 * Makes `signer` the operator keys' signing from now on: a node passes libsecp256k1 built for its machine
 * (node/src/crypto/native-recover.ts), which signs byte for byte as the wasm build does, in a third of its time.
 */
export function useSignRecoverable (signer: SignRecoverable): void {
  signRecoverableWith = signer
}

/**
 * libsecp256k1's RFC 6979 signature (low s, v 27 or 28): byte for byte what ethers' SigningKey.sign
 * gives, in about a quarter of its time (120 us against 460 us here) in wasm, and a third of that native;
 * a node signs three or four messages a job. An r past the group order (recovery id 2 or 3, odds about
 * 2^-128) is left to ethers.
 */
function signDigest (wallet: BaseWallet, digest: string): Hex {
  const { signature, recoveryId } = signRecoverableWith(hexToBytes(digest), hexToBytes(wallet.signingKey.privateKey))
  if (recoveryId > 1) return wallet.signingKey.sign(digest).serialized as Hex
  return `${bytesToHex(signature)}${recoveryId === 0 ? '1b' : '1c'}` as Hex
}

/**
 * Signs `payload` and builds the message around the signature. A message an operator key signed
 * here is frozen with its signer already known: a node validates, stores and derives reports from its
 * own messages as from anyone's, and recovering the key it just signed with would only repeat work.
 */
async function signed<T extends object> (signer: Signer, chainId: number, registry: Hex, payload: object, primary: SignedType, build: (signature: Hex) => T): Promise<T> {
  const msg = build(await signTyped(signer, primary, payload, chainId, registry))
  if (signer instanceof BaseWallet) {
    deepFreeze(msg)
    recovered.set(msg, { domain: domainOf(chainId, registry), signer: lower(signer.address) })
  }
  return msg
}

/**
 * Signers recovered from messages that decodeMessage froze: a node recovers each gossiped message
 * once to validate it and again whenever it derives a report from it; a frozen message cannot have
 * changed in between, so the second recovery is the first one's answer. Anything else (a report from
 * a server, a message built here) is recovered every time.
 */
const recovered = new WeakMap<object, { domain: string, signer: Hex }>()

function remembered (msg: object, payload: object, chainId: number, registry: Hex, recover: () => Hex): Hex {
  const frozen = Object.isFrozen(msg) && Object.isFrozen(payload)
  const domain = domainOf(chainId, registry)
  const hit = frozen ? recovered.get(msg) : undefined
  if (hit?.domain === domain) return hit.signer
  const signer = recover()
  if (frozen) recovered.set(msg, { domain, signer })
  return signer
}

function domainOf (chainId: number, registry: Hex): string {
  return `${chainId}/${registry.toLowerCase()}`
}

function lower (address: string): Hex {
  return address.toLowerCase() as Hex
}
