/**
 * When a live job has its final report (SPEC section 7): a quorum of members attested to one
 * content, and this node holds every commitment and verdict that content names. Pure: the
 * coordinator passes the chain's view of the job's block.
 */
import { deriveReport, quorumThreshold, ReportInvalidError } from '#protocol/index.ts'
import type { JobFailure, LiveJob } from './job-book.ts'
import type { Hex, ReportAttestation, SignedCommitment, SignedVerdict } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

export interface BlockView {
  members: Hex[]
  registrations: Record<string, Hex[]>
  faultDivisor: number
  chainId: number
  registry: Hex
}

export function assembleReport (live: LiveJob, view: BlockView): Report | undefined {
  const quorum = quorumThreshold(Math.max(1, view.members.length), view.faultDivisor)
  const byDigest = new Map<Hex, { content: ReportAttestation, signers: Array<{ member: Hex, signature: Hex }> }>()
  for (const [member, { msg, digest }] of live.attestations) {
    const group = byDigest.get(digest) ?? { content: msg.attestation, signers: [] }
    group.signers.push({ member, signature: msg.signature })
    byDigest.set(digest, group)
  }
  for (const { content, signers } of byDigest.values()) {
    if (signers.length < quorum) continue
    const held = heldContent(live, content)
    if (held === undefined) continue
    try {
      return deriveReport({ job: live.signed, ...held, attestations: signers, ...view })
    } catch (err) {
      // attested content that does not make a report (e.g. too few reveals) is no report
      if (err instanceof ReportInvalidError) continue
      throw err
    }
  }
  return undefined
}

/** The commitments and verdicts an attestation names, if this node holds exactly those. */
function heldContent (live: LiveJob, a: ReportAttestation): { commitments: SignedCommitment[], verdicts: SignedVerdict[] } | undefined {
  const commitments: SignedCommitment[] = []
  for (const [i, member] of a.committed.entries()) {
    const c = [live.commitments.get(member), live.conflicting.get(member)].find((held) => held?.commitment.commitment === a.commitments[i])
    if (c === undefined) return undefined
    commitments.push(c)
  }
  const verdicts: SignedVerdict[] = []
  for (const [i, member] of a.revealed.entries()) {
    const v = live.verdicts.get(member)
    if (v === undefined || v.verdictHash !== a.verdicts[i]) return undefined
    verdicts.push(v.msg)
  }
  return { commitments, verdicts }
}

/** Why a job that reached its end without a report failed, as this node saw it (SPEC section 10). */
export function failureOf (live: LiveJob, memberCount: number, faultDivisor: number): JobFailure {
  if (complaintsDecide(live, memberCount, faultDivisor)) return 'COMPLAINTS'
  if (live.verdicts.size < quorumThreshold(Math.max(1, memberCount), faultDivisor)) return 'NO_QUORUM'
  return 'NO_AGREEMENT'
}

/** A job with complaints from f + 1 members is dropped at once: at least one honest member could not scan it. */
export function complaintsDecide (live: LiveJob, memberCount: number, faultDivisor: number): boolean {
  return live.complaints.size >= Math.floor((Math.max(1, memberCount) - 1) / faultDivisor) + 1
}
