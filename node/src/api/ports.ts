import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { HuntPort } from './routes/hunt.ts'
import type { MarketDelivery } from '../db/delivery-repository.ts'
import type { StoredItemReward } from '../db/rewards-repository.ts'
import type { Hex, IndicatorKind, Report, ReportStats, SampleKind, SignedAttestation, SignedCommitment, SignedVerdict } from '../../../protocol/src/messages.ts'
import type { FileSubmission, Receipt } from '../../../protocol/src/index.ts'
import type { ApiKeyPrivilege } from '../db/apikey-privileges.ts'
import type { GovernanceReader } from '../chain/governance-reader.ts'

/** The node's EIP-712 Receipt for a signed file submission, with its operator signature (protocol SPEC 17). */
export type SignedReceipt = Receipt & { signature: Hex }

/**
 * What the HTTP API needs from the node. The API knows nothing else of it, so it can be tested with
 * small in-memory implementations and the node can change behind it.
 *
 * What a port returns is never changed in place afterwards: a changed report, record or list is a
 * new object. The API answers from a body it serialized while what the body was built from is the
 * same object or equal (object-cache.ts).
 *
 * Errors a port may throw, by `code` (anything else becomes a 500):
 * - SAMPLE_TOO_LARGE -> 413, UNAVAILABLE -> 503.
 */
export const PORT_ERROR_CODES = ['SAMPLE_TOO_LARGE', 'UNAVAILABLE'] as const
export type PortErrorCode = typeof PORT_ERROR_CODES[number]

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
   * (its spool, its upload slot) are free from then on.
   */
  submitFile(source: AsyncIterable<Uint8Array>, meta: { filename?: string, submission?: FileSubmission }, options?: SubmitFileOptions): Promise<{ analysisId: Hex, sha256: Hex, receipt?: SignedReceipt }>
}

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

/** Where a report is anchored on chain (SPEC 15): served as `virusmap_anchor`, checked by light-client/anchor-check.ts. */
export interface ReportAnchorView {
  epoch: number
  root: Hex
  /** the StandardMerkleTree proof of the report's leaf, leaf first */
  proof: Hex[]
  /** the block whose transaction anchored the epoch */
  block: number
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

/** Operational state for /healthz and /metrics; optional so the API runs without a node behind it. */
export interface NodeStatusReader {
  /** small JSON for /healthz: followed block, member count, peers */
  health(): Record<string, string | number | boolean>
  /** Prometheus text exposition and its content type */
  metrics(): Promise<{ contentType: string, body: string }>
}

/** A registered supernode, as the on-chain registry describes it. */
export interface NetworkMember {
  operator: Hex
  peerId: string
  /** the registry's metadata URI, e.g. "virusmap:engines=YARA,ClamAV;node=0" */
  metadataURI: string
}

export interface NetworkInfo {
  chainId: number
  registry: Hex
  /** this node's operator address */
  self: Hex
  /** the RPC, NetworkParameters and Governor this node uses: only a suggestion, which a light client pins or replaces */
  suggested?: { rpcUrl: string, parameters?: Hex, anchors?: Hex, governor?: Hex }
  /** highest registry block the node has applied; membership is known up to it */
  followedBlock: number
  /** members at followedBlock */
  members: NetworkMember[]
}

export interface ReportSummary {
  jobId: Hex
  sha256: Hex
  /** ms since the epoch */
  date: number
  size: number
  fileType: string
  stats: ReportStats
  memberCount: number
  verdictCount: number
  /** what the report judges ('file' when absent) and, for an indicator, its canonical subject */
  kind?: SampleKind
  subject?: string
}

/** VirusMap extensions (/api/virusmap/...): the network the node follows and its recent reports. */
export interface NetworkReader {
  info(): NetworkInfo
  /** members at `block`; undefined while the node has not followed the chain that far */
  membersAt(block: number): NetworkMember[] | undefined
  /** newest first, at most `limit` */
  recentReports(limit: number, options?: AbortOptions): Promise<ReportSummary[]>
}

export interface ApiKeyLimits {
  /** public handle of the key (not the key) */
  id: string
  perMinute: number
  perDay: number
  /** what the key may do beyond every key's routes; absent: nothing */
  privileges?: readonly ApiKeyPrivilege[]
}

/**
 * x-apikey keys. When the port is given, every /api/v3 and /api/virusmap request needs a key the
 * port knows; quotas are counted by the API (per UTC minute and per UTC day).
 */
export interface ApiKeyReader {
  /** the key's limits, or undefined for a key that is unknown or revoked */
  find(key: string): Promise<ApiKeyLimits | undefined>
  /** requests already counted against the key on a UTC day (YYYY-MM-DD), e.g. before a restart */
  dayUsage?(id: string, day: string): Promise<number>
  /** called every few seconds with the day counts that changed */
  saveDayUsage?(entries: Array<{ id: string, day: string, count: number }>): Promise<void>
  /** tells the API when a key (by id) is created or revoked, so a revoked key stops at once; returns unsubscribe */
  onChange?(listener: (id: string) => void): () => void
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

export type VoteVerdict = 'harmless' | 'malicious'

export interface VoteView {
  voter: string
  verdict: VoteVerdict
  /** ms since the epoch */
  date: number
}

/**
 * Community votes (VirusTotal's /{collection}/{id}/votes), one per API key per object. An object
 * is its kind and sha256 (a file's, or an indicator's canonical subject's): a file and a URL with
 * the same sha256 are different objects.
 */
export interface VoteStore {
  /** false when this voter already voted on the object */
  add(kind: SampleKind, sha256: Hex, vote: VoteView): Promise<boolean>
  /** newest first */
  list(kind: SampleKind, sha256: Hex, limit: number): Promise<VoteView[]>
  totals(kind: SampleKind, sha256: Hex): Promise<Record<VoteVerdict, number>>
}

/** Two conflicting messages one member signed for one job: proof that it equivocated. */
export type EvidenceView =
  | { kind: 'commitment', member: Hex, jobId: Hex, first: SignedCommitment, second: SignedCommitment, recordedAt: number }
  | { kind: 'verdict', member: Hex, jobId: Hex, first: SignedVerdict, second: SignedVerdict, recordedAt: number }
  | { kind: 'attestation', member: Hex, jobId: Hex, first: SignedAttestation, second: SignedAttestation, recordedAt: number }

/** Misbehaviour this node has seen (VirusMap extension). */
/** An epoch anchored on chain, as this node recorded it. */
export interface AnchoredEpochView {
  epoch: number
  root: Hex
  leafCount: number
  block: number
  tx: Hex
  /** the anchored jobs in leaf order, once this node matched the root to the proposal it built from */
  jobIds?: Hex[]
}

/** The anchored epochs this node has seen (GET /api/virusmap/anchors). */
export interface AnchorReader {
  /** newest first, at most `limit`, below `before` when given */
  epochs(limit: number, before?: number, options?: AbortOptions): Promise<AnchoredEpochView[]>
  epoch(epoch: number, options?: AbortOptions): Promise<AnchoredEpochView | undefined>
}

export interface EvidenceReader {
  /** `member` is a lowercase 0x address (already validated); [] when none is held */
  byMember(member: Hex, options?: AbortOptions): Promise<EvidenceView[]>
  /** members with evidence held, lowercase, sorted, at most `limit` */
  members(limit: number, options?: AbortOptions): Promise<Hex[]>
}

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

export interface IndicatorRecordView {
  kind: IndicatorKind
  /** canonical */
  subject: string
  /** sha256 of the subject's UTF-8 (a URL's VirusTotal id) */
  sha256: Hex
  firstSeen: number
  lastSeen: number
  submitters: Hex[]
  /** the latest submission's context and signing time */
  context: string
  submittedAt: number
}

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
   * this node holds a report on it; undefined otherwise. Optional.
   */
  getIndicatorByHash?(kind: IndicatorKind, sha256: Hex, options?: AbortOptions & { limit?: number }): Promise<(IndicatorView & { subject: string }) | undefined>
  /** `subject` as typed; throws code INVALID_INDICATOR when it has no canonical form; undefined when nothing is known of it */
  getIndicator(kind: IndicatorKind, subject: string, options?: AbortOptions & { limit?: number }): Promise<IndicatorView | undefined>
  /** the URLs and domains found in a file (canonical), at most `limit` (default 200) */
  relatedIndicators(sha256: Hex, options?: AbortOptions & { limit?: number }): Promise<Array<{ kind: IndicatorKind, subject: string }>>
  /** the submitted URLs (canonical) whose host is this canonical domain or IP, at most `limit`. Optional. */
  urlsOn?(kind: 'domain' | 'ip', subject: string, options?: AbortOptions & { limit: number }): Promise<string[]>
}

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

export interface ApiPorts {
  submitter: SampleSubmitter
  analyses: AnalysisReader
  files: FileReader
  status?: NodeStatusReader
  network?: NetworkReader
  keys?: ApiKeyReader
  votes?: VoteStore
  evidence?: EvidenceReader
  anchors?: AnchorReader
  downloads?: SampleDownloads
  governance?: GovernanceReader
  indicators?: IndicatorPort
  malicious?: MaliciousFeedReader
  market?: MarketDeliveryReader
  /** hunting (SPEC 19), where the deployment has a DataMarket */
  hunt?: HuntPort
  blocks?: BlockReader
  rewards?: RewardsReader
}

/** The encrypted blocks this node holds (GET /api/virusmap/blocks/{cid}); undefined when it holds none by that CID. */
export interface BlockReader {
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array | undefined>
}

/** This member's deliveries of data-market orders (GET /api/virusmap/market/orders/{id}/delivery, SPEC 18). */
export interface MarketDeliveryReader {
  delivery(orderId: bigint, options?: AbortOptions): Promise<MarketDelivery | undefined>
}

/** One paid-epoch report's reward and why (SPEC 17): amounts in decimal wei. */
export type RewardItemView = StoredItemReward

/** An epoch's rewards as this member computed them (GET /api/virusmap/rewards/{epoch}). */
export interface RewardsEpochView {
  epoch: number
  /** the epoch whose reports were paid; absent while the epoch is below the pay delay */
  paidEpoch?: number
  /** absent while nobody has earned */
  root?: Hex
  /** the sum of every cumulative amount in the tree, wei */
  total: string
  /** what this epoch paid, and its budget, wei */
  paid: string
  budget: string
  reports: number
  leafCount: number
  /** address -> wei paid this epoch (submitters and members) */
  amounts: Record<string, string>
  /** member -> wei for agreeing reveals this epoch */
  members: Record<string, string>
  /** the paid reports, `offset` on, at most `limit` */
  items: RewardItemView[]
  itemCount: number
}

/** One address in an epoch's tree (GET /api/virusmap/rewards/{epoch}/{address}). */
export interface RewardsAccountView {
  epoch: number
  root?: Hex
  account: Hex
  /** its leaf's cumulative wei ('0' and no proof when it has none) */
  cumulative: string
  proof: Hex[]
  /** wei this epoch paid it, and as a member */
  amount: string
  memberAmount: string
  /** the paid reports it submitted, at most `limit` */
  items: RewardItemView[]
}

export interface RewardsReader {
  /** the newest epoch this member computed; undefined before the first */
  latest(options?: AbortOptions): Promise<number | undefined>
  epoch(epoch: number, page: { offset: number, limit: number }, options?: AbortOptions): Promise<RewardsEpochView | undefined>
  /** `account` lowercase (validated); undefined when the epoch is not computed here */
  account(epoch: number, account: Hex, limit: number, options?: AbortOptions): Promise<RewardsAccountView | undefined>
}
