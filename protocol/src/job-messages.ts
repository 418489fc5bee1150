import type { Hex, JobMessage } from './messages.ts'

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
