/**
 * The anchor leaves (protocol leafOf) of the reports a ReportRepository stored lately. A member computes
 * every report's leaf to propose an epoch, to check each proposal and to record its proofs, and leafOf
 * hashes every verdict again in a report read back from the database, whose verdicts no memo knows; the
 * leaf is kept from the put instead, whose report carries the frozen messages it was assembled from
 * (their hashes already known).
 */
import { leafOf } from '#protocol/anchors.ts'
import { remember } from './read-cache.ts'
import type { AnchorLeaf } from '#protocol/anchors.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

/**
 * Which version of a job's report this is: each version stored carries the signatures of the members
 * that attested its content (a report stored again has more verdicts, so another attested digest).
 */
function versionOf (report: Report): string {
  return report.attestations.map((a) => a.signature).join()
}

export class ReportLeaves {
  readonly #leaves = new Map<string, { version: string, leaf: AnchorLeaf }>()

  /** the report just stored for `jobId` (lowercase) */
  keep (jobId: Hex, report: Report): void {
    let leaf: AnchorLeaf
    try {
      leaf = leafOf(report)
    } catch {
      // a report leafOf refuses is refused again, by the caller, when it asks
      this.#leaves.delete(jobId)
      return
    }
    remember(this.#leaves, jobId, { version: versionOf(report), leaf })
  }

  forget (jobId: Hex): void {
    this.#leaves.delete(jobId)
  }

  /**
   * The leaves of reports the repository answered: a kept leaf answers only the same version of the report,
   * anything else gets leafOf's.
   */
  leavesOf (reports: readonly Report[]): AnchorLeaf[] {
    return reports.map((report) => {
      const kept = this.#leaves.get(report.jobId.toLowerCase())
      return kept !== undefined && kept.version === versionOf(report) ? kept.leaf : leafOf(report)
    })
  }
}
