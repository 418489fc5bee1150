import type { AbortOptions } from '@libp2p/interface'
import type { Hex, IndicatorKind } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { ReportAnchorView } from './anchors.ts'
import type { IndicatorRecord } from '../../db/indicator-repository.ts'

/**
 * An indicator as a client submits it: the subject as typed (the node canonicalizes it) and the
 * submitter's EIP-712 Submission signature over (kind, sha256 of the canonical subject, context,
 * submittedAt) under the deployment's domain (protocol signSubmission).
 */
export interface IndicatorSubmissionView {
  kind: IndicatorKind
  subject: string
  context: string
  submitter: Hex
  submittedAt: number
  submitterSignature: Hex
}

/** what the node keeps of an indicator it has seen submitted, as the API shows it */
export type IndicatorRecordView = IndicatorRecord

export interface IndicatorView {
  /** absent when the indicator was only ever seen inside files */
  record?: IndicatorRecordView
  /** the latest quorum report on it */
  report?: Report
  /** the report's anchor, once anchored */
  anchor?: ReportAnchorView
  /** sha256 of files that carry it (URLs and domains engines found in them), at most `limit` */
  relatedFiles: Hex[]
}

export interface IndicatorPort {
  /**
   * Canonicalizes, checks the submitter's signature and schedules the evaluation (a new job, or
   * the one in flight for the same indicator). Throws code INVALID_INDICATOR, INVALID_CONTEXT,
   * INVALID_SUBMITTER_SIGNATURE or SUBMISSION_EXPIRED (client errors), NOT_A_MEMBER (this node takes no submissions).
   */
  submitIndicator(input: IndicatorSubmissionView, options?: AbortOptions): Promise<{ analysisId: Hex, sha256: Hex, subject: string }>
  /**
   * What VirusTotal tools submit unsigned (POST /urls): the node's operator wallet signs the
   * Submission as submitter, now. Same errors as submitIndicator. Optional: without it, only
   * signed submissions are taken.
   */
  submitAsOperator?(input: { kind: IndicatorKind, subject: string, context: string }, options?: AbortOptions): Promise<{ analysisId: Hex, sha256: Hex, subject: string }>
  /**
   * An indicator by the sha256 of its canonical subject (VirusTotal's URL id in hex): found once
   * this node holds a submission of it or a report on it; undefined otherwise. Optional.
   */
  getIndicatorByHash?(kind: IndicatorKind, sha256: Hex, options?: AbortOptions & { limit?: number }): Promise<(IndicatorView & { subject: string }) | undefined>
  /** `subject` as typed; throws code INVALID_INDICATOR when it has no canonical form; undefined when nothing is known of it */
  getIndicator(kind: IndicatorKind, subject: string, options?: AbortOptions & { limit?: number }): Promise<IndicatorView | undefined>
  /** the URLs and domains found in a file (canonical), at most `limit` (default 200) */
  relatedIndicators(sha256: Hex, options?: AbortOptions & { limit?: number }): Promise<Array<{ kind: IndicatorKind, subject: string }>>
  /** the submitted URLs (canonical) whose host is this canonical domain or IP, at most `limit`. Optional. */
  urlsOn?(kind: 'domain' | 'ip', subject: string, options?: AbortOptions & { limit: number }): Promise<string[]>
}
