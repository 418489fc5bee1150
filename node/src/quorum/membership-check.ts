/**
 * Pure re-checks of what a node decided from membership, against the members the chain has at a
 * job's block now (after a reorg replaced the history those decisions were made on).
 */
import { checkReport, ReportInvalidError } from '#protocol/index.ts'
import type { CheckReportOptions, ReportCode } from '#protocol/index.ts'
import type { Hex, ScanJob } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

export interface MembershipProblem {
  code: ReportCode
  message: string
}

export interface ChainAtBlock {
  /** the chain's members at the job's block */
  members: readonly Hex[]
  /** engine id -> members registered for it at the job's block */
  registrations?: Record<string, Hex[]>
  /** the chain's quorumFaultDivisor at the job's block, when it has one (then the report must use it) */
  faultDivisor?: number
}

/**
 * Why a stored report no longer holds given the chain at its job's block, or undefined if it
 * still does: memberCount must equal the number of members, the origin and every verdict signer
 * must be among them, and the verdicts must still reach the quorum. The whole report is
 * re-derived (protocol's checkReport), so the rule is the light clients' rule.
 */
export function reportMembershipProblem (report: Report, chain: ChainAtBlock): MembershipProblem | undefined {
  const options: CheckReportOptions = {
    members: [...chain.members],
    ...(chain.registrations !== undefined ? { registrations: chain.registrations } : {}),
    ...(chain.faultDivisor !== undefined ? { faultDivisor: chain.faultDivisor } : {})
  }
  try {
    checkReport(report, options)
    return undefined
  } catch (err) {
    if (err instanceof ReportInvalidError) return { code: err.code, message: err.message }
    throw err
  }
}

/**
 * A job still holds when its origin is a member at its block and, for a file, it wraps the key
 * for exactly those members (what validateScanJob demands of a new job; an indicator carries no
 * wraps); otherwise every decision on it rests on a membership the chain no longer has.
 */
export function jobHoldsAt (job: ScanJob, members: readonly Hex[]): boolean {
  const sorted = members.map((m) => m.toLowerCase()).toSorted()
  if (!sorted.includes(job.origin.toLowerCase())) return false
  if (job.kind !== 'file') return true
  const wrapped = job.keyWraps.map((w) => w.member.toLowerCase())
  return wrapped.length === sorted.length && wrapped.every((m, i) => m === sorted[i])
}
