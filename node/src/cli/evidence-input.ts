// Evidence of equivocation from an untrusted source (a node's /api/virusmap/evidence answer, a file
// someone passed on), checked as the EquivocationEvidence contract will check it, so a submission
// that would revert costs nothing: both messages are schema-valid protocol messages, name one member
// and one job, differ, and recover to that member under this chain and registry. Pure.
import { parseMessage } from '../../../protocol/src/encoding.ts'
import { commitmentDigest, reportDigest, verdictDigest } from '../../../protocol/src/eip712.ts'
import { recoverAttestationSigner, recoverCommitmentSigner, recoverVerdictSigner } from '../../../protocol/src/signing.ts'
import type { Hex, SignedAttestation, SignedCommitment, SignedVerdict } from '../../../protocol/src/messages.ts'

export type EvidenceErrorCode = 'MALFORMED' | 'NOT_CONFLICTING' | 'WRONG_SIGNER'

export class EvidenceError extends Error {
  override readonly name = 'EvidenceError'
  readonly code: EvidenceErrorCode
  constructor (code: EvidenceErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

/** A conflicting pair, checked: what `submitCommitments` / `submitVerdicts` / `submitAttestations` take. */
export type CheckedEvidence =
  | { kind: 'commitment', member: Hex, jobId: Hex, first: SignedCommitment, second: SignedCommitment }
  | { kind: 'verdict', member: Hex, jobId: Hex, first: SignedVerdict, second: SignedVerdict }
  | { kind: 'attestation', member: Hex, jobId: Hex, first: SignedAttestation, second: SignedAttestation }

const TOPIC = { commitment: 'commits', verdict: 'verdicts', attestation: 'attestations' } as const

/** The largest evidence text read: two verdict messages at their 64 KiB gossip limit and the wrapping. */
export const MAX_EVIDENCE_BYTES = 160 * 1024

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * One evidence object as the node's API serves it ({type: "evidence", id, attributes: {kind, member,
 * job_id, first, second, ...}}) or its attributes alone. Throws EvidenceError.
 */
export function checkEvidence (value: unknown, chainId: number, registry: Hex): CheckedEvidence {
  const e = isObject(value) && isObject(value.attributes) ? value.attributes : value
  if (!isObject(e)) throw new EvidenceError('MALFORMED', 'evidence must be a JSON object')
  if (e.kind !== 'commitment' && e.kind !== 'verdict' && e.kind !== 'attestation') throw new EvidenceError('MALFORMED', 'evidence kind must be "commitment", "verdict" or "attestation"')
  let first, second
  try {
    first = parseMessage(TOPIC[e.kind], e.first)
    second = parseMessage(TOPIC[e.kind], e.second)
  } catch (err) {
    throw new EvidenceError('MALFORMED', `evidence messages are not valid ${e.kind}s: ${(err as Error).message.slice(0, 200)}`, { cause: err })
  }
  if (e.kind === 'commitment') {
    const [a, b] = [first as SignedCommitment, second as SignedCommitment]
    const member = same(a.commitment.member, b.commitment.member, a.commitment.jobId, b.commitment.jobId)
    if (commitmentDigest(a.commitment, chainId, registry) === commitmentDigest(b.commitment, chainId, registry)) throw new EvidenceError('NOT_CONFLICTING', 'the two commitments are the same message')
    signedBy(member, () => recoverCommitmentSigner(a, chainId, registry))
    signedBy(member, () => recoverCommitmentSigner(b, chainId, registry))
    return { kind: 'commitment', member, jobId: a.commitment.jobId, first: a, second: b }
  }
  if (e.kind === 'attestation') {
    // an attestation names its signer beside the signed content
    const [a, b] = [first as SignedAttestation, second as SignedAttestation]
    const member = same(a.member, b.member, a.attestation.jobId, b.attestation.jobId)
    if (reportDigest(a.attestation, chainId, registry) === reportDigest(b.attestation, chainId, registry)) throw new EvidenceError('NOT_CONFLICTING', 'the two attestations are the same content')
    signedBy(member, () => recoverAttestationSigner(a, chainId, registry))
    signedBy(member, () => recoverAttestationSigner(b, chainId, registry))
    return { kind: 'attestation', member, jobId: a.attestation.jobId, first: a, second: b }
  }
  const [a, b] = [first as SignedVerdict, second as SignedVerdict]
  const member = same(a.verdict.member, b.verdict.member, a.verdict.jobId, b.verdict.jobId)
  if (verdictDigest(a.verdict, chainId, registry) === verdictDigest(b.verdict, chainId, registry)) throw new EvidenceError('NOT_CONFLICTING', 'the two verdicts are the same message (a different salt is no conflict)')
  signedBy(member, () => recoverVerdictSigner(a, chainId, registry))
  signedBy(member, () => recoverVerdictSigner(b, chainId, registry))
  return { kind: 'verdict', member, jobId: a.verdict.jobId, first: a, second: b }
}

function same (member: Hex, otherMember: Hex, jobId: Hex, otherJobId: Hex): Hex {
  if (member !== otherMember) throw new EvidenceError('NOT_CONFLICTING', `the messages name two members (${member}, ${otherMember})`)
  if (jobId !== otherJobId) throw new EvidenceError('NOT_CONFLICTING', `the messages name two jobs (${jobId}, ${otherJobId})`)
  return member
}

function signedBy (member: Hex, recover: () => Hex): void {
  let signer: Hex
  try {
    signer = recover()
  } catch (err) {
    throw new EvidenceError('WRONG_SIGNER', `a signature does not recover (${(err as Error).message.slice(0, 120)})`, { cause: err })
  }
  if (signer !== member) throw new EvidenceError('WRONG_SIGNER', `a message names ${member} but was signed by ${signer} (another key, chain or registry)`)
}
