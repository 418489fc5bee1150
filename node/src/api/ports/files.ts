import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { FileSubmission, Receipt } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { ReportAnchorView } from './anchors.ts'

/** The node's EIP-712 Receipt for a signed file submission, with its operator signature (protocol SPEC 17). */
export type SignedReceipt = Receipt & { signature: Hex }

export interface SubmitFileOptions extends AbortOptions {
  onStored?: () => void
}

export interface SampleSubmitter {
  /**
   * Scans a stored sample again (VirusTotal's POST /files/{id}/analyse): a new job, or the one in
   * flight for it. Undefined when this node does not hold the sample. Optional: nodes without it
   * answer 404 for every id.
   */
  rescan?(hash: Hex, options?: AbortOptions): Promise<{ analysisId: Hex, sha256: Hex } | undefined>
  /**
   * Stores the sample (durably) and schedules its scan. `source` fails with code SAMPLE_TOO_LARGE
   * once the upload passes the API's limit; the submitter must then store nothing. `onStored` is
   * called once the sample is stored, before the wait for a job slot: the upload's own resources
   * (its spool, its upload slot) are free from then on. A signed submission is checked before a
   * byte is read (FileSubmissionError by `code`); it earns a receipt unless it joins a job in flight.
   */
  submitFile(source: AsyncIterable<Uint8Array>, meta: { filename?: string, submission?: FileSubmission }, options?: SubmitFileOptions): Promise<{ analysisId: Hex, sha256: Hex, receipt?: SignedReceipt }>
}

export interface SampleInfo {
  sha256: Hex
  sha1: Hex
  md5: Hex
  size: number
  /** short tag from magic bytes, e.g. "PE32", "ELF", "ZIP", "text" */
  fileType: string
  names: string[]
  /** ms since the epoch */
  firstSeen: number
  lastSeen: number
}

export interface FileView {
  /** the latest final report, if any */
  report?: Report
  /** the report's anchor, once anchored */
  anchor?: ReportAnchorView
  sample: SampleInfo
}

export interface FileReader {
  /** `hash` is lowercase 0x-prefixed hex of a sha256 (64), sha1 (40) or md5 (32) */
  getFile(hash: Hex, options?: AbortOptions): Promise<FileView | undefined>
}

/** A stored sample's plaintext, opened for streaming out (GET /files/{id}/download). */
export interface SampleDownload {
  sha256: Hex
  size: number
  /** authenticated chunk by chunk; a throw midway voids what was sent (the answer must be cut off) */
  chunks: AsyncIterable<Uint8Array>
}

export interface SampleDownloads {
  /** undefined when this node does not hold the sample (and its key); `hash` as FileReader's */
  open(hash: Hex, options?: AbortOptions): Promise<SampleDownload | undefined>
}

/** The encrypted blocks this node holds (GET /api/virusmap/blocks/{cid}); undefined when it holds none by that CID. */
export interface BlockReader {
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array | undefined>
}
