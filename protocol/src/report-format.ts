/**
 * The final report's format (SPEC section 8): what a node serves and a light client checks. Its
 * derivation from the signed messages it carries is report.ts; the messages are messages.ts.
 */
import type { EngineResult, Hex, SignedCommitment, SignedScanJob, SignedVerdict } from './messages.ts'

/** What a report says about one engine, over the members registered for it on chain. */
export interface ReportEngineEntry extends EngineResult {
  /** operator addresses of the members whose verdicts agree with this entry */
  members: Hex[]
  /** registered members that returned a result for this engine */
  answered: number
  /** members at the job's block whose engines include this one */
  registered: number
  /** a quorum of the registered members answered: only attested engines count in the stats */
  attested: boolean
}

/** One member's signature over the report's content (its reportDigest). */
export interface ReportSignature {
  member: Hex
  signature: Hex
}

export interface ReportStats {
  malicious: number
  suspicious: number
  undetected: number
  harmless: number
  timeout: number
  failure: number
  'type-unsupported': number
}

/**
 * A final report (SPEC section 8) is a deterministic function of the signed messages it carries and
 * the chain's membership, engines and divisor at the job's block; a quorum of members signed its
 * content as a whole, so nothing can be dropped, added or changed.
 */
export interface Report {
  version: 2
  jobId: Hex
  chainId: number
  registry: Hex
  job: SignedScanJob
  /** members at the job's block, ascending */
  members: Hex[]
  memberCount: number
  faultDivisor: number
  quorum: number
  /** engine id -> members at the job's block whose engines include it, ascending */
  registrations: Record<string, Hex[]>
  commitments: SignedCommitment[]
  verdicts: SignedVerdict[]
  attestations: ReportSignature[]
  /** members without a verdict in the report */
  absent: Hex[]
  /** members that committed and did not reveal */
  withheld: Hex[]
  results: Record<string, ReportEngineEntry>
  stats: ReportStats
  /** the latest scannedAt among the carried verdicts */
  date: number
}
