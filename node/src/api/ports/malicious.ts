import type { AbortOptions } from '@libp2p/interface'
import type { Hex, IndicatorKind } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

/** A subject whose report on this node is malicious: what wallet guards mirror (each checks the report itself). */
export interface MaliciousSubjectView {
  kind: IndicatorKind
  /** canonical */
  subject: string
  report: Report
}

/** Where a page of the malicious feed ends: the report date (ms) and job id of the last entry read. */
export interface FeedCursor { date: number, jobId: Hex }

export interface MaliciousFeedReader {
  /**
   * This node's tag in the cursors it issues (16 lower-case hex): a cursor is a position in this
   * node's store, so another node's cursor is refused rather than read as a position here.
   */
  readonly issuer: string
  /**
   * Subjects (wallets, domains, page scripts) whose latest-dated report has malicious verdicts,
   * reported after `after`, oldest first; at most `limit`, from a bounded scan. `next` is where to
   * continue (`after` itself when nothing newer is stored); `more` whether a next page may already hold more.
   */
  since(after: FeedCursor | undefined, limit: number, options?: AbortOptions): Promise<{ subjects: MaliciousSubjectView[], next: FeedCursor | undefined, more: boolean }>
}
