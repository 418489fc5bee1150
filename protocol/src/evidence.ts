/**
 * Equivocation: two different messages of one kind that one member signed for one job (SPEC 6, 16).
 * Checked as the EquivocationEvidence contract checks it: one member and one job, two different
 * digests, both signatures recovering to that member under this chain and registry. Pure; used by
 * the gossip validator of the evidence topic and by the CLI before it spends gas.
 */
import { commitmentDigest, reportDigest, verdictDigest } from './eip712.ts'
import { GossipValidationError } from './errors.ts'
import { recoverAttestationSigner, recoverCommitmentSigner, recoverVerdictSigner } from './signing.ts'
import type { EquivocationMessage, EvidenceKind, Hex, SignedAttestation, SignedCommitment, SignedVerdict } from './messages.ts'
import type { ValidationContext } from './validation.ts'

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

/** The gossip topic each kind's messages travel on (their schema). */
export const EVIDENCE_KIND_TOPIC = { commitment: 'commits', verdict: 'verdicts', attestation: 'attestations' } as const satisfies Record<EvidenceKind, string>

/** Checks two schema-valid messages of `kind` as proof that their signer equivocated. Throws EvidenceError. */
export function checkEquivocation (kind: EvidenceKind, first: unknown, second: unknown, chainId: number, registry: Hex): CheckedEvidence {
  if (kind === 'commitment') {
    const [a, b] = [first as SignedCommitment, second as SignedCommitment]
    const member = same(a.commitment.member, b.commitment.member, a.commitment.jobId, b.commitment.jobId)
    if (commitmentDigest(a.commitment, chainId, registry) === commitmentDigest(b.commitment, chainId, registry)) throw new EvidenceError('NOT_CONFLICTING', 'the two commitments are the same message')
    signedBy(member, () => recoverCommitmentSigner(a, chainId, registry))
    signedBy(member, () => recoverCommitmentSigner(b, chainId, registry))
    return { kind, member, jobId: a.commitment.jobId, first: a, second: b }
  }
  if (kind === 'attestation') {
    // an attestation names its signer beside the signed content
    const [a, b] = [first as SignedAttestation, second as SignedAttestation]
    const member = same(a.member, b.member, a.attestation.jobId, b.attestation.jobId)
    if (reportDigest(a.attestation, chainId, registry) === reportDigest(b.attestation, chainId, registry)) throw new EvidenceError('NOT_CONFLICTING', 'the two attestations are the same content')
    signedBy(member, () => recoverAttestationSigner(a, chainId, registry))
    signedBy(member, () => recoverAttestationSigner(b, chainId, registry))
    return { kind, member, jobId: a.attestation.jobId, first: a, second: b }
  }
  const [a, b] = [first as SignedVerdict, second as SignedVerdict]
  const member = same(a.verdict.member, b.verdict.member, a.verdict.jobId, b.verdict.jobId)
  if (verdictDigest(a.verdict, chainId, registry) === verdictDigest(b.verdict, chainId, registry)) throw new EvidenceError('NOT_CONFLICTING', 'the two verdicts are the same message (a different salt is no conflict)')
  signedBy(member, () => recoverVerdictSigner(a, chainId, registry))
  signedBy(member, () => recoverVerdictSigner(b, chainId, registry))
  return { kind: 'verdict', member, jobId: a.verdict.jobId, first: a, second: b }
}

/**
 * The evidence topic's validator (SPEC 16). The accused must be a member at the job's block (the
 * verdict names it; else the job as this node knows it): a pair signed by any other key proves
 * nothing the contract would slash, and only members' keys can make the topic carry anything. When
 * neither names the block, membership at the followed block is asked, and a miss is only ignored (the
 * member may have left since). Then both signatures are checked as the contract checks them.
 */
export function validateEquivocation (msg: EquivocationMessage, ctx: Pick<ValidationContext, 'chainId' | 'registry' | 'followedBlock' | 'isMemberAt' | 'getJob'>): CheckedEvidence {
  const member = msg.kind === 'commitment' ? msg.first.commitment.member : msg.kind === 'verdict' ? msg.first.verdict.member : msg.first.member
  const jobId = msg.kind === 'commitment' ? msg.first.commitment.jobId : msg.kind === 'verdict' ? msg.first.verdict.jobId : msg.first.attestation.jobId
  const block = msg.kind === 'verdict' ? msg.first.verdict.membershipBlock : ctx.getJob(jobId)?.membershipBlock
  if (block !== undefined && block > ctx.followedBlock) throw new GossipValidationError('ignore', 'FUTURE_MEMBERSHIP_BLOCK', `block ${block} is not followed yet`)
  if (!ctx.isMemberAt(member, block ?? ctx.followedBlock)) {
    throw new GossipValidationError(block === undefined ? 'ignore' : 'reject', 'NOT_MEMBER', `${member} was not a member at block ${block ?? ctx.followedBlock}`)
  }
  try {
    return checkEquivocation(msg.kind, msg.first, msg.second, ctx.chainId, ctx.registry)
  } catch (err) {
    if (!(err instanceof EvidenceError)) throw err
    throw new GossipValidationError('reject', err.code === 'WRONG_SIGNER' ? 'BAD_SIGNATURE' : 'NOT_EQUIVOCATION', err.message, { cause: err })
  }
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
