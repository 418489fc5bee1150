/**
 * Whether a report a peer served for an anchored job may be stored (SPEC 17, "Reports fetched from
 * peers"). Nothing the peer says is trusted: the report must answer the jobId asked, name this
 * deployment, follow from the signed messages it carries under the members, engine registrations and
 * fault divisor the chain had at its job's block (protocol's checkReport, the light client's rule), its
 * submitter's signature must recover, and its anchor leaf must be one of the leaves whose tree is the
 * root anchored on chain for the epoch. The leaf commits to the report's attested content, so only
 * the very report the anchoring quorum signed passes; a peer can withhold it, never alter it.
 */
import { anchorLeafHash, faultDivisorFrom, leafOf } from '#protocol/index.ts'
import { checkSubmission } from '../light-client/verify-report.ts'
import { reportMembershipProblem } from '../quorum/membership-check.ts'
import { registrationsAt } from '../quorum/validation-context.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { VerifyProblem } from '../light-client/problems.ts'

export type FetchRejectionCode =
  | 'WRONG_JOB' | 'WRONG_DEPLOYMENT' | 'UNFOLLOWED_BLOCK' | 'INVALID_REPORT' | 'SUBMITTER_SIGNATURE' | 'NOT_ANCHORED_LEAF' | 'WRONG_PROPOSAL' | 'INVALID_PROPOSAL'

export class FetchedReportError extends Error {
  override readonly name = 'FetchedReportError'
  readonly code: FetchRejectionCode
  /** the protocol's code behind an INVALID_REPORT (checkReport's) or INVALID_PROPOSAL (the gossip validator's) */
  readonly detail: string | undefined

  constructor (code: FetchRejectionCode, message: string, detail?: string) {
    super(message)
    this.code = code
    this.detail = detail
  }
}

/** The anchored slot a fetched report must fill: the job, and the leaf hashes whose tree is the epoch's anchored root. */
export interface AnchoredSlot {
  epoch: number
  jobId: Hex
  leaves: ReadonlySet<string>
}

export interface FetchChainView {
  chainId: number
  registry: Hex
  follower: Pick<RegistryFollower, 'followedBlock' | 'membersAt' | 'enginesAt' | 'parameterAt'>
}

function reject (code: FetchRejectionCode, message: string, detail?: string): never {
  throw new FetchedReportError(code, message, detail)
}

/** The report, once every check holds; FetchedReportError with the first that fails otherwise. */
export function checkFetchedReport (value: unknown, slot: AnchoredSlot, chain: FetchChainView): Report {
  const report = value as Partial<Report>
  if (typeof report.jobId !== 'string' || report.jobId.toLowerCase() !== slot.jobId.toLowerCase()) reject('WRONG_JOB', 'the report answers another job')
  if (report.chainId !== chain.chainId || typeof report.registry !== 'string' || report.registry.toLowerCase() !== chain.registry.toLowerCase()) {
    reject('WRONG_DEPLOYMENT', 'the report names another chain or registry')
  }
  const block: unknown = (report.job as { job?: { membershipBlock?: unknown } } | undefined)?.job?.membershipBlock
  if (typeof block !== 'number' || !Number.isSafeInteger(block) || block < 1 || block > chain.follower.followedBlock) {
    reject('UNFOLLOWED_BLOCK', 'the job names no block this node has followed')
  }
  const { follower } = chain
  const problem = reportMembershipProblem(report as Report, {
    members: follower.membersAt(block),
    registrations: registrationsAt(follower, block),
    faultDivisor: faultDivisorFrom(follower.parameterAt('quorumFaultDivisor', block))
  })
  if (problem !== undefined) reject('INVALID_REPORT', problem.message, problem.code)
  const problems: VerifyProblem[] = []
  checkSubmission(report as Report, chain, problems)
  if (problems.length > 0) reject('SUBMITTER_SIGNATURE', problems.map((p) => p.detail).join('; '), problems[0]?.code)
  if (!slot.leaves.has(anchorLeafHash(leafOf(report as Report)).toLowerCase())) reject('NOT_ANCHORED_LEAF', `the report is not the one anchored in epoch ${slot.epoch}`)
  return report as Report
}
