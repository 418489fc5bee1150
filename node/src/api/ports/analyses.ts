import type { AbortOptions } from '@libp2p/interface'
import type { Hex, SampleKind } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { SignedReceipt } from './files.ts'

/** VirusTotal's analysis statuses, and `failed`: the job and its retries ended without a report (protocol SPEC section 10) */
export type AnalysisStatus = 'queued' | 'in-progress' | 'completed' | 'failed'

export interface AnalysisView {
  /** the scan job id (0x + 64 hex, lowercase) */
  id: Hex
  status: AnalysisStatus
  /** ms since the epoch: when the analysis was created */
  date: number
  sha256: Hex
  sha1: Hex
  md5: Hex
  size: number
  /** present once status is 'completed' */
  report?: Report
  /** why, once status is 'failed' (NO_QUORUM, NO_AGREEMENT, COMPLAINTS) */
  failure?: string
  /** the job now running the analysis: its id, or a retry's when the first job failed */
  jobId?: Hex
  /** the registry block whose members run the job */
  membershipBlock: number
  /** verdicts revealed so far, and members at the job's block */
  verdictCount: number
  memberCount: number
  /** what the job judges ('file' when absent) and, for an indicator, its canonical subject */
  kind?: SampleKind
  subject?: string
  /** this node's signed Receipt, when a wallet's submission made the job here (SPEC 17) */
  receipt?: SignedReceipt
}

export interface AnalysisReader {
  /** `id` is lowercase 0x-prefixed hex (already validated) */
  getAnalysis(id: Hex, options?: AbortOptions): Promise<AnalysisView | undefined>
}
