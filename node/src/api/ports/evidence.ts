import type { AbortOptions } from '@libp2p/interface'
import type { Hex, SignedAttestation, SignedCommitment, SignedVerdict } from '#protocol/messages.ts'

/** Two conflicting messages one member signed for one job: proof that it equivocated. */
export type EvidenceView =
  | { kind: 'commitment', member: Hex, jobId: Hex, first: SignedCommitment, second: SignedCommitment, recordedAt: number }
  | { kind: 'verdict', member: Hex, jobId: Hex, first: SignedVerdict, second: SignedVerdict, recordedAt: number }
  | { kind: 'attestation', member: Hex, jobId: Hex, first: SignedAttestation, second: SignedAttestation, recordedAt: number }

/** Misbehaviour this node has seen (VirusMap extension). */
export interface EvidenceReader {
  /** `member` is a lowercase 0x address (already validated); [] when none is held */
  byMember(member: Hex, options?: AbortOptions): Promise<EvidenceView[]>
  /** members with evidence held, lowercase, sorted, at most `limit` */
  members(limit: number, options?: AbortOptions): Promise<Hex[]>
}
