/**
 * Wire messages of the VirusMap verdict protocol (version 2, SPEC.md).
 *
 * Every gossip message is a JSON object (UTF-8) whose `type` names it. Hex strings are
 * 0x-prefixed lowercase. Times are integer milliseconds since the Unix epoch; block numbers and
 * sizes are JSON numbers (safe integers). Signatures are EIP-712 (see eip712.ts) by the member's
 * operator key, so light clients and contracts can check them.
 */
export type Hex = `0x${string}`

/** VirusTotal's result categories, in the order used to break ties (most severe first). */
export const ENGINE_CATEGORIES = [
  'malicious',
  'suspicious',
  'undetected',
  'harmless',
  'timeout',
  'failure',
  'type-unsupported'
] as const
export type EngineCategory = typeof ENGINE_CATEGORIES[number]

/**
 * What a job asks members to judge: a stored file, or an indicator carried in the job as its
 * canonical `subject` (see indicators.ts): a URL, a domain, an IP address, a wallet address
 * (CAIP-10, `eip155:<chainId>:<address>`) or a page script's sha256.
 */
export const INDICATOR_KINDS = ['url', 'domain', 'ip', 'wallet', 'script'] as const
export type IndicatorKind = typeof INDICATOR_KINDS[number]
export const SAMPLE_KINDS = ['file', ...INDICATOR_KINDS] as const
export type SampleKind = typeof SAMPLE_KINDS[number]

export const TOPICS = {
  jobs: '/virusmap/jobs/2',
  commits: '/virusmap/commits/2',
  verdicts: '/virusmap/verdicts/2',
  attestations: '/virusmap/attestations/2',
  complaints: '/virusmap/complaints/2',
  anchors: '/virusmap/anchors/2',
  evidence: '/virusmap/evidence/2',
  /** members' signatures over an epoch's RewardsRoot (SPEC 17) */
  rewards: '/virusmap/rewards/2',
  /** members' Delivered signatures for data-market orders (SPEC 18) */
  market: '/virusmap/market/2',
  /** one member's own commitments, reveals, attestations and complaints, published together (SPEC 6, v2.2) */
  bundles: '/virusmap/bundles/2'
} as const
export type TopicName = keyof typeof TOPICS

/** Upper bounds on encoded message size, per topic; larger messages are rejected unread. */
export const MAX_MESSAGE_BYTES = {
  jobs: 128 * 1024,
  commits: 2 * 1024,
  verdicts: 64 * 1024,
  attestations: 64 * 1024,
  complaints: 2 * 1024,
  // a proposal of MAX_ANCHOR_JOBS jobIds and as many leaves at 69 bytes each ("0x…" quoted, a comma): 565,248, and the other fields
  anchors: 560 * 1024,
  // two verdicts at their 64 KiB limit and the wrapping
  evidence: 160 * 1024,
  // a RewardsSignature is ~400 bytes (six fields, a 65-byte signature)
  rewards: 1024,
  // a DeliverySignature is ~450 bytes (six fields, a 65-byte signature)
  market: 1024,
  // room for a few reveals or attestations at their 64 KiB limit; a publisher starts a new bundle before this
  bundles: 256 * 1024
} as const satisfies Record<TopicName, number>

/** The most messages one MemberBundle carries. */
export const MAX_BUNDLE_MESSAGES = 64

/** A sample's content key wrapped for one member (X25519 ECDH + HKDF-SHA256 + ChaCha20-Poly1305). */
export interface KeyWrap {
  /** the member's operator address */
  member: Hex
  /** nonce (12 bytes) || ciphertext (32 bytes) || tag (16 bytes) */
  wrappedKey: Hex
}

/** A request to the members at `membershipBlock` to judge one stored file or one indicator. */
export interface ScanJob {
  kind: SampleKind
  /** the canonical indicator (indicators.ts canonicalizeIndicator); '' for a file */
  subject: string
  /** what the submitter said about it (free text or JSON, <= 1024 UTF-8 bytes); '' for none */
  context: string
  /** for an indicator: the hashes and byte length of the subject's UTF-8 (the subject is the sample) */
  sha256: Hex
  sha1: Hex
  md5: Hex
  size: number
  /** short type tag from magic bytes, e.g. "PE32", "ELF", "ZIP", "text" */
  fileType: string
  /** CID of the encrypted sample's manifest block; '' for an indicator (nothing to fetch) */
  cid: string
  /** the registry block whose member set runs (and counts for) this job */
  membershipBlock: number
  /** operator address of the member that took the upload */
  origin: Hex
  createdAt: number
  /** commitments are accepted until this time */
  commitDeadline: number
  /** reveals are accepted from commitDeadline until this time */
  revealDeadline: number
  /** X25519 public key of the per-job ephemeral key used for every wrap; zero bytes for an indicator */
  ephemeralPublicKey: Hex
  /** one per member for a file; none for an indicator (its subject is public) */
  keyWraps: KeyWrap[]
  /** who submitted it (their wallet address), the zero address when anonymous (files only) */
  submitter: Hex
  /** when the submitter signed, ms; 0 when anonymous */
  submittedAt: number
  /** the submitter's EIP-712 signature of the Submission (kind, sha256, context, submittedAt); '0x' when anonymous */
  submitterSignature: Hex
}

/** What a submitter signs (EIP-712, the protocol's domain): a wallet vouches for a submission and its context. */
export interface Submission {
  kind: SampleKind
  sha256: Hex
  context: string
  submittedAt: number
}

export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000' as Hex
export const ZERO_BYTES32 = `0x${'00'.repeat(32)}` as Hex
/** Upper bound on a job's context, in UTF-8 bytes. */
export const MAX_CONTEXT_BYTES = 1024

export interface EngineResult {
  engine: string
  engineVersion: string
  /** signature date, YYYYMMDD as VirusTotal prints it */
  engineUpdate: string
  category: EngineCategory
  /** detection label (e.g. a YARA rule name), "" when none */
  result: string
  /** how the engine decided, e.g. "blacklist" */
  method: string
}

/** One member's signed scan outcome for one job. */
export interface Verdict {
  jobId: Hex
  member: Hex
  sha256: Hex
  membershipBlock: number
  scannedAt: number
  results: EngineResult[]
}

export interface SignedScanJob {
  type: 'scan-job'
  job: ScanJob
  signature: Hex
}

/**
 * A job as the jobs topic carries it: the signed job, and for a small file its encrypted blocks beside it
 * (SPEC section 6, inline blocks), canonical base64, so members need not fetch them. The blocks are not
 * signed: each is named by its own hash, and a member takes only those the job's CID asks for.
 */
export interface ScanJobMessage extends SignedScanJob {
  blocks?: string[]
}

/** The most block bytes (decoded) a job message carries inline: a sample of a chunk or so, with its manifest. */
export const MAX_INLINE_BLOCK_BYTES = 16 * 1024

/** The most blocks a job message carries inline. */
export const MAX_INLINE_BLOCKS = 4

export interface VerdictCommitment {
  jobId: Hex
  member: Hex
  /** keccak256(verdictHash || salt), verdictHash being the EIP-712 struct hash of the Verdict */
  commitment: Hex
}

export interface SignedCommitment {
  type: 'commitment'
  commitment: VerdictCommitment
  signature: Hex
}

export interface SignedVerdict {
  type: 'verdict'
  verdict: Verdict
  /** 32 random bytes that open the commitment */
  salt: Hex
  signature: Hex
}

/**
 * What a member attests at the end of a job: every commitment and every reveal it holds, by member
 * (ascending). Members that agree sign the same EIP-712 digest (the reportDigest).
 */
export interface ReportAttestation {
  jobId: Hex
  committed: Hex[]
  /** the commitment of each `committed` member, same order */
  commitments: Hex[]
  /** members whose verdict is held (a subset of `committed`), ascending */
  revealed: Hex[]
  /** the verdictHash of each `revealed` member, same order */
  verdicts: Hex[]
}

export interface SignedAttestation {
  type: 'attestation'
  member: Hex
  attestation: ReportAttestation
  signature: Hex
}

/** Why a member could not scan a file job, provably the origin's doing (SPEC section 9). */
export const COMPLAINT_REASONS = ['UNWRAP_FAILED', 'CONTENT_MISMATCH'] as const
export type ComplaintReason = typeof COMPLAINT_REASONS[number]

export interface Complaint {
  jobId: Hex
  member: Hex
  reason: ComplaintReason
}

export interface SignedComplaint {
  type: 'complaint'
  complaint: Complaint
  signature: Hex
}

/** the messages a member sends about one job, each signed on its own */
export type JobMessage = SignedCommitment | SignedVerdict | SignedAttestation | SignedComplaint
/** the topics of those messages: what a member publishes in its bundles (SPEC 6, v2.2) */
export const JOB_MESSAGE_TOPICS = ['commits', 'verdicts', 'attestations', 'complaints'] as const satisfies readonly TopicName[]

/**
 * A member's own job messages, published as one gossip message (SPEC 6, v2.2): under load a member has
 * several to send at once, and gossip costs per message (frames, ids, the message cache), not per byte.
 * Each message keeps its own signature and is validated exactly as on its own topic; the bundle adds
 * nothing a light client or a contract reads.
 */
export interface MemberBundle {
  type: 'bundle'
  /** the operator address every message in the bundle names as its sender */
  member: Hex
  /** 1 to MAX_BUNDLE_MESSAGES, in the order the member made them */
  messages: JobMessage[]
}

/** What a member signs for an epoch's anchor (SPEC section 15): the tree root over `leafCount` final reports. */
export interface EpochRoot {
  epoch: number
  /** StandardMerkleTree root over the epoch's leaves (anchors.ts) */
  root: Hex
  leafCount: number
}

/** The most reports one epoch's anchor proposal lists. */
export const MAX_ANCHOR_JOBS = 4096

/**
 * A proposer's tree for an epoch: the jobIds of its leaves, ascending, signed as an EIP-712 AnchorProposal
 * (the list included); the proposer's EpochRoot signature travels as its own AnchorSignature.
 */
export interface AnchorProposal {
  type: 'anchor-proposal'
  epoch: number
  proposer: Hex
  /** strictly ascending, at most MAX_ANCHOR_JOBS */
  jobIds: Hex[]
  /**
   * the tree's leaf hashes, strictly ascending, leafCount of them: unsigned, since only the one list builds
   * `root`; a node that lacks some listed reports still proves the ones it holds with them
   */
  leaves: Hex[]
  root: Hex
  /** jobIds.length */
  leafCount: number
  /** the proposer's AnchorProposal signature */
  signature: Hex
}

/** A member's EpochRoot signature over a proposal it checked. */
export interface AnchorSignature {
  type: 'anchor-signature'
  epoch: number
  member: Hex
  root: Hex
  leafCount: number
  signature: Hex
}

/** The signed messages a member can equivocate with: two of one kind for one job are proof (SPEC 16). */
export type EvidenceKind = 'commitment' | 'verdict' | 'attestation'

/**
 * Proof that a member signed two different messages of one kind for one job, gossiped so every node
 * holds it and any node can submit it to EquivocationEvidence (SPEC 16).
 */
export type EquivocationMessage =
  | { type: 'evidence', kind: 'commitment', first: SignedCommitment, second: SignedCommitment }
  | { type: 'evidence', kind: 'verdict', first: SignedVerdict, second: SignedVerdict }
  | { type: 'evidence', kind: 'attestation', first: SignedAttestation, second: SignedAttestation }

/** A member's signature over its computed RewardsRoot for an epoch (SPEC 17; checks in rewards/signature.ts). */
export interface RewardsSignature {
  type: 'rewards-signature'
  epoch: number
  member: Hex
  root: Hex
  /** the RewardsRoot's total, wei, in decimal */
  total: string
  signature: Hex
}

/** A member's Delivered signature for a data-market order (SPEC 18, 19; checks in delivery-signature.ts). */
export interface DeliverySignature {
  type: 'delivery-signature'
  /** the DataMarket contract */
  market: Hex
  /** the order's id, decimal uint256 */
  orderId: string
  member: Hex
  /** orderWrapHash of the member's wrap (a sample), or the order's subject (a hunt: the rulesetId) */
  wrapHash: Hex
  signature: Hex
}

/**
 * The message each topic carries (Lodestar's GossipTypeMap): decodeMessage(topic, bytes) returns
 * GossipTypeMap[topic], so a handler knows its message's type from the topic and checks `type` only
 * where one topic carries several (anchors: a proposal or a signature).
 */
export interface GossipTypeMap {
  jobs: ScanJobMessage
  commits: SignedCommitment
  verdicts: SignedVerdict
  attestations: SignedAttestation
  complaints: SignedComplaint
  anchors: AnchorProposal | AnchorSignature
  evidence: EquivocationMessage
  rewards: RewardsSignature
  market: DeliverySignature
  bundles: MemberBundle
}

export type GossipMessage = GossipTypeMap[TopicName]

/** The topic that carries message M (M a member of GossipMessage). */
export type TopicOf<M extends GossipMessage> = { [T in TopicName]: M extends GossipTypeMap[T] ? T : never }[TopicName]

// every topic has an entry in GossipTypeMap and nothing else does (fails to compile otherwise)
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const TYPE_MAP_COVERS_TOPICS: Same<keyof GossipTypeMap, TopicName> = true
void TYPE_MAP_COVERS_TOPICS
