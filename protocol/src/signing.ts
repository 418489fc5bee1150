/**
 * Signing and recovery of the gossip messages (EIP-712, secp256k1 operator keys) and of
 * the Submission a submitter's wallet signs.
 * Recovered addresses are lowercase, like every address in the protocol.
 */
import { concat, keccak256, recoverAddress, verifyTypedData } from 'ethers'
import type { Signer } from 'ethers'
import { EIP712_TYPES, eip712Domain, reportDigest, scanJobId, verdictHash } from './eip712.ts'
import type {
  Complaint, Hex, ReportAttestation, ScanJob, SignedAttestation, SignedCommitment, SignedComplaint, SignedScanJob, SignedVerdict,
  Submission, Verdict, VerdictCommitment
} from './messages.ts'

export async function signScanJob (job: ScanJob, chainId: number, registry: Hex, signer: Signer): Promise<SignedScanJob> {
  const signature = await signer.signTypedData(eip712Domain(chainId, registry), EIP712_TYPES.ScanJob, job)
  return { type: 'scan-job', job, signature: signature as Hex }
}

/** Throws when the signature is not a valid canonical secp256k1 signature (memberSignature). */
export function recoverScanJobSigner (msg: SignedScanJob, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.job, chainId, registry, () => lower(verifyTypedData(eip712Domain(chainId, registry), EIP712_TYPES.ScanJob, msg.job, memberSignature(msg.signature))))
}

/** keccak256(verdictHash(verdict) || salt): binds the member to a verdict it cannot change after the commit window. */
export function computeCommitment (verdict: Verdict, salt: Hex): Hex {
  return keccak256(concat([verdictHash(verdict), salt])) as Hex
}

export async function signCommitment (c: VerdictCommitment, chainId: number, registry: Hex, signer: Signer): Promise<SignedCommitment> {
  const signature = await signer.signTypedData(eip712Domain(chainId, registry), EIP712_TYPES.VerdictCommitment, c)
  return { type: 'commitment', commitment: c, signature: signature as Hex }
}

export function recoverCommitmentSigner (msg: SignedCommitment, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.commitment, chainId, registry, () => lower(verifyTypedData(eip712Domain(chainId, registry), EIP712_TYPES.VerdictCommitment, msg.commitment, memberSignature(msg.signature))))
}

/** The signature covers the Verdict only; the salt rides along to open the (separately signed) commitment. */
export async function signVerdict (verdict: Verdict, salt: Hex, chainId: number, registry: Hex, signer: Signer): Promise<SignedVerdict> {
  const signature = await signer.signTypedData(eip712Domain(chainId, registry), EIP712_TYPES.Verdict, verdict)
  return { type: 'verdict', verdict, salt, signature: signature as Hex }
}

export function recoverVerdictSigner (msg: SignedVerdict, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.verdict, chainId, registry, () => lower(verifyTypedData(eip712Domain(chainId, registry), EIP712_TYPES.Verdict, msg.verdict, memberSignature(msg.signature))))
}

/** Signs the content this member holds for a job (every member that holds the same signs the same digest). */
export async function signAttestation (attestation: ReportAttestation, chainId: number, registry: Hex, signer: Signer): Promise<SignedAttestation> {
  const signature = await signer.signTypedData(eip712Domain(chainId, registry), EIP712_TYPES.ReportAttestation, attestation)
  return { type: 'attestation', member: lower(await signer.getAddress()), attestation, signature: signature as Hex }
}

/** Who signed `signature` over this reportDigest; throws (ethers' error) when it does not recover. */
export function recoverReportSigner (digest: Hex, signature: Hex): Hex {
  return lower(recoverAddress(digest, memberSignature(signature)))
}

export function recoverAttestationSigner (msg: SignedAttestation, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.attestation, chainId, registry, () => recoverReportSigner(reportDigest(msg.attestation, chainId, registry), msg.signature))
}

export async function signComplaint (complaint: Complaint, chainId: number, registry: Hex, signer: Signer): Promise<SignedComplaint> {
  const signature = await signer.signTypedData(eip712Domain(chainId, registry), EIP712_TYPES.Complaint, complaint)
  return { type: 'complaint', complaint, signature: signature as Hex }
}

export function recoverComplaintSigner (msg: SignedComplaint, chainId: number, registry: Hex): Hex {
  return remembered(msg, msg.complaint, chainId, registry, () => lower(verifyTypedData(eip712Domain(chainId, registry), EIP712_TYPES.Complaint, msg.complaint, memberSignature(msg.signature))))
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

/** The submitter's signature, for ScanJob.submitterSignature. */
export async function signSubmission (submission: Submission, chainId: number, registry: Hex, signer: Signer): Promise<Hex> {
  return await signer.signTypedData(eip712Domain(chainId, registry), EIP712_TYPES.Submission, submission) as Hex
}

/** Throws (ethers' error) when the signature is not a valid canonical secp256k1 signature. */
export function recoverSubmissionSigner (submission: Submission, signature: Hex, chainId: number, registry: Hex): Hex {
  return lower(verifyTypedData(eip712Domain(chainId, registry), EIP712_TYPES.Submission, submission, signature))
}

/** The Submission a job's submitter signed. */
export function submissionOf (job: ScanJob): Submission {
  return { kind: job.kind, sha256: job.sha256, context: job.context, submittedAt: job.submittedAt }
}

/**
 * A member's signature in its one spelling, as OpenZeppelin's ECDSA takes it: r ‖ s ‖ v with v 27 or 28.
 * ethers also recovers the same signer for v 0, 1 and any v >= 35, which would give one signed message
 * many valid encodings (and gossip ids); ethers itself refuses an s with the top bit set. A submitter's
 * signature is a wallet's and is taken as ethers reads it: the origin signs the job around it.
 */
function memberSignature (signature: Hex): Hex {
  if (!/^0x[0-9a-fA-F]{128}1[bcBC]$/.test(signature)) throw new TypeError('not a 65-byte signature with v 27 or 28')
  return signature
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
  const domain = `${chainId}/${registry.toLowerCase()}`
  const hit = frozen ? recovered.get(msg) : undefined
  if (hit?.domain === domain) return hit.signer
  const signer = recover()
  if (frozen) recovered.set(msg, { domain, signer })
  return signer
}

function lower (address: string): Hex {
  return address.toLowerCase() as Hex
}
