import { anchorLeafHash, AnchorError, epochTree, isEligible, leafOf } from '#protocol/index.ts'
import type { AnchorLeaf, EpochTree } from '#protocol/anchors.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

export type ProposalRefusal = 'MISSING_REPORT' | 'NOT_ELIGIBLE' | 'ANCHORED_BEFORE' | 'SIGNED_ELSEWHERE' | 'ROOT_MISMATCH'

export type ProposalCheck =
  | { ok: true, tree: EpochTree }
  | { ok: false, code: ProposalRefusal, jobId?: Hex }

export interface ProposalRules {
  epochBlocks: number
  /** the parameter at the epoch's first block */
  maxJobAgeBlocks: number
  /** whether the job's report is anchored in another epoch already */
  anchoredElsewhere: (jobId: Hex) => boolean
  /** whether this member signed a root of another epoch listing the job that may still be anchored */
  signedElsewhere: (jobId: Hex) => boolean
  /** the reports' leaves (leafOf unless given: a node passes its report repository's kept ones) */
  leavesOf?: (reports: readonly Report[]) => AnchorLeaf[]
}

/**
 * Whether a member signs a proposal's EpochRoot (SPEC 15): it holds the final report of every listed
 * job, each eligible for the epoch, anchored nowhere else and in no root of another epoch it signed that may
 * still be anchored (two quorums share an honest member, so no job is anchored in two epochs), and the tree of their leaves has the
 * proposal's root and count. The reports are the member's own, assembled from signed messages it
 * checked (section 8), so a proposer cannot slip in a report the member did not verify. The list need
 * not be complete. `reports[i]` is what the member holds for `jobIds[i]`.
 */
export function checkProposal (proposal: { epoch: number, jobIds: readonly Hex[], root: Hex, leafCount: number }, reports: ReadonlyArray<Report | undefined>, rules: ProposalRules): ProposalCheck {
  const held: Report[] = []
  for (const [i, jobId] of proposal.jobIds.entries()) {
    const report = reports[i]
    if (report?.jobId.toLowerCase() !== jobId.toLowerCase()) return { ok: false, code: 'MISSING_REPORT', jobId }
    if (!isEligible(report.job.job, proposal.epoch, rules.epochBlocks, rules.maxJobAgeBlocks)) return { ok: false, code: 'NOT_ELIGIBLE', jobId }
    if (rules.anchoredElsewhere(jobId)) return { ok: false, code: 'ANCHORED_BEFORE', jobId }
    if (rules.signedElsewhere(jobId)) return { ok: false, code: 'SIGNED_ELSEWHERE', jobId }
    held.push(report)
  }
  let tree: EpochTree
  try {
    tree = epochTree(rules.leavesOf?.(held) ?? held)
  } catch (err) {
    // empty, too many or a job twice: the validator refuses these already, so only a changed rule lands here
    if (err instanceof AnchorError) return { ok: false, code: 'ROOT_MISMATCH' }
    throw err
  }
  if (tree.root.toLowerCase() !== proposal.root.toLowerCase() || held.length !== proposal.leafCount) return { ok: false, code: 'ROOT_MISMATCH' }
  return { ok: true, tree }
}

/**
 * How many of a proposal's jobs `reports` (what this member holds for `jobIds[i]`) prove against its leaves:
 * which of two lists signed under one root is the root's, as far as this member can tell.
 */
export function provenJobs (proposal: { jobIds: readonly Hex[], leaves: readonly Hex[] }, reports: ReadonlyArray<Report | undefined>): number {
  const leaves = new Set(proposal.leaves.map((l) => l.toLowerCase()))
  return reports.filter((r, i) => r !== undefined && r.jobId.toLowerCase() === proposal.jobIds[i]?.toLowerCase() && leaves.has(anchorLeafHash(leafOf(r)).toLowerCase())).length
}

/** whether two jobId lists are the same list (case aside) */
export const sameList = (a: readonly Hex[], b: readonly Hex[]): boolean => a.length === b.length && a.every((id, i) => id.toLowerCase() === b[i]?.toLowerCase())
