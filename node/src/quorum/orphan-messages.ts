import type { Hex, SignedAttestation, SignedCommitment, SignedComplaint, SignedVerdict } from '#protocol/messages.ts'

type JobMessage = SignedCommitment | SignedVerdict | SignedAttestation | SignedComplaint

/** held messages in all, per job, and how long one is kept */
const MAX_HELD = 4096
const MAX_PER_JOB = 1024
const HOLD_MS = 60_000
/** the order a job's messages are applied in: each kind builds on the one before */
const ORDER: Record<JobMessage['type'], number> = { commitment: 0, verdict: 1, attestation: 2, complaint: 3 }

export interface OrphanMessages {
  /** keeps a message whose job this node does not know yet; false when it is not kept */
  hold(msg: JobMessage, now: number): boolean
  /** the held messages of a job now known, commitments first, and forgets them */
  take(jobId: Hex, now: number): JobMessage[]
  readonly size: number
}

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

/**
 * Messages that outran their job (SPEC section 6, UNKNOWN_JOB). Nodes follow the chain
 * independently, so a node that holds a job until it has followed the job's block would otherwise
 * drop the commitments that fast members sent meanwhile, and never see a quorum. Bounded in all,
 * per job and in time; the coordinator holds only messages whose sender is a member now, and
 * validates each in full once its job is known.
 */
export function createOrphanMessages (): OrphanMessages {
  const byJob = new Map<Hex, Array<{ msg: JobMessage, at: number }>>()
  let size = 0

  function expire (now: number): void {
    for (const [jobId, held] of byJob) {
      const first = held[0]
      if (first !== undefined && first.at + HOLD_MS >= now) continue
      const kept = held.filter((h) => h.at + HOLD_MS >= now)
      size -= held.length - kept.length
      if (kept.length === 0) byJob.delete(jobId)
      else byJob.set(jobId, kept)
    }
  }

  return {
    get size () { return size },
    hold (msg, now) {
      expire(now)
      const jobId = jobIdOf(msg)
      const held = byJob.get(jobId) ?? []
      if (size >= MAX_HELD || held.length >= MAX_PER_JOB) return false
      held.push({ msg, at: now })
      byJob.set(jobId, held)
      size++
      return true
    },
    take (jobId, now) {
      expire(now)
      const held = byJob.get(jobId) ?? []
      byJob.delete(jobId)
      size -= held.length
      return held.map((h) => h.msg).toSorted((a, b) => ORDER[a.type] - ORDER[b.type])
    }
  }
}
