import type { Hex, SignedAttestation, SignedCommitment, SignedComplaint, SignedVerdict } from '#protocol/messages.ts'

/** the messages a member sends about one job, each on its own topic */
export type JobMessage = SignedCommitment | SignedVerdict | SignedAttestation | SignedComplaint

export function jobIdOf (msg: JobMessage): Hex {
  switch (msg.type) {
    case 'commitment': return msg.commitment.jobId
    case 'verdict': return msg.verdict.jobId
    case 'attestation': return msg.attestation.jobId
    case 'complaint': return msg.complaint.jobId
  }
}

export function senderOf (msg: JobMessage): Hex {
  switch (msg.type) {
    case 'commitment': return msg.commitment.member
    case 'verdict': return msg.verdict.member
    case 'attestation': return msg.member
    case 'complaint': return msg.complaint.member
  }
}
