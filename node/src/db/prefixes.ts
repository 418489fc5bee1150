/**
 * The one registry of key prefixes in the node's level database. Every key is
 * `<prefix><part>/<part>...`; no prefix may be a prefix of another, and a prefix, once used in a
 * released schema, is never reused for something else (retire it with a comment instead).
 */
export const PREFIXES = {
  /** schema version and other database bookkeeping */
  meta: 'meta/',
  /** sha256 -> SampleRecord */
  sample: 'sample/',
  /** sha1 -> sha256 */
  sampleBySha1: 'sample-sha1/',
  /** md5 -> sha256 */
  sampleByMd5: 'sample-md5/',
  /**
   * ingestId/zero-padded batch -> PendingBlocks: the blocks an ingest is about to write, recorded
   * before it writes them and cleared once its sample is recorded; what is left at start is garbage
   */
  ingestPending: 'ingest-pending/',
  /** jobId -> JobRecord */
  job: 'job/',
  /** jobId/member -> SignedCommitment */
  commitment: 'commitment/',
  /** jobId/member -> SignedVerdict */
  verdict: 'verdict/',
  /** jobId -> Report */
  report: 'report/',
  /** sha256 -> jobId of the latest report on that sample */
  reportBySha256: 'report-sha256/',
  /** member/jobId/kind -> Evidence */
  evidence: 'evidence/',
  /** zero-padded report date (ms)/jobId -> jobId: reports newest first for the network page */
  reportByDate: 'report-date/',
  /** sha256(api key) -> ApiKeyRecord (the key itself is never stored) */
  apiKey: 'apikey/',
  /** sha256(api key)/window/start -> request count in that quota window */
  apiKeyUsage: 'apikey-usage/',
  /** sha256/voter (API key id) -> VoteRecord: community votes on a file, this node's own */
  vote: 'vote/',
  /** zero-padded job membership block/jobId -> jobId: the reports a reorg back to a block must re-check */
  reportByBlock: 'report-block/',
  /** sha256/jobId -> report date: every served report of a sample, to fall back on when the latest is withdrawn */
  reportBySample: 'report-sample/',
  /** jobId -> WithdrawnReport: reports a reorg took the membership from; kept as evidence, never served */
  reportWithdrawn: 'report-withdrawn/',
  /**
   * kind/sha256 -> jobId of the latest report on that indicator. Apart from report-sha256/: a file
   * whose bytes are "http://x.y/" has the same sha256 as that URL's subject.
   */
  reportByIndicator: 'report-indicator/',
  /** kind/sha256/jobId -> report date: every served report of an indicator (report-sample/ for indicators) */
  reportByIndicatorSample: 'report-indicator-sample/',
  /** kind/sha256(subject) -> IndicatorRecord: submitted indicators, first/last seen, submitters, latest context */
  indicator: 'indicator/',
  /** kind/sha256(subject)/file sha256 -> IndicatorRelation: files that carry the indicator */
  indicatorFile: 'indicator-file/',
  /** file sha256/kind/sha256(subject) -> IndicatorRelation: the indicators a file carries */
  fileIndicator: 'file-indicator/',
  /** kind/sha256(subject)/voter (API key id) -> VoteRecord: community votes on an indicator (vote/ is files') */
  indicatorVote: 'indicator-vote/',
  /** kind/sha256(host)/sha256(url) -> HostUrl: the submitted URLs whose host is that domain or IP (VirusTotal's urls relationship) */
  hostUrl: 'host-url/',
  /** jobId/member -> SignedAttestation (protocol v2): a member's signature over a job's content */
  attestation: 'attestation/',
  /** jobId/member -> SignedComplaint (protocol v2): evidence against a job's origin */
  complaint: 'complaint/',
  /** zero-padded epoch/root -> StoredAnchorProposal (SPEC 15): every root proposed for an epoch, the anchored one kept */
  anchorProposal: 'anchor-proposal/',
  /** zero-padded epoch/root/member -> EpochRoot signature: collected until the epoch is anchored */
  anchorSignature: 'anchor-signature/',
  /** zero-padded epoch -> AnchoredEpoch: the epochs seen anchored on chain */
  anchorEpoch: 'anchor-epoch/',
  /** jobId -> JobAnchor: where a final report is anchored (epoch, leaf index, proof) */
  anchorJob: 'anchor-job/',
  /** jobId -> epoch: the epoch of the last root this member signed listing the job (no second epoch while it may be anchored) */
  anchorSignedJob: 'anchor-signed-job/',
  /** market/zero-padded orderId -> MarketDelivery: the one wrap this member signed for a data-market order (SPEC 18) */
  marketDelivery: 'market-delivery/',
  /** market -> the next block whose Ordered events the delivery service reads (SPEC 18): a restart resumes there */
  marketCursor: 'market-cursor/',
  /** market/zero-padded orderId -> an Ordered event waiting for a sample this member does not hold yet */
  marketWaiting: 'market-waiting/',
  /** market/zero-padded deadline/zero-padded orderId/member -> DeliverySignature: every member's Delivered signature this member holds for an open order (SPEC 18), so a restart still helps fulfil */
  marketSignature: 'market-signature/',
  /** zero-padded epoch/root -> StoredFeedBlocks: the blocks of an epoch feed this member built and until when it keeps them (SPEC 18, feeds) */
  feedBlocks: 'feed-blocks/',
  /** rulesetId -> StoredRuleset: a vendor's sealed ruleset and the order paying for it (SPEC 19); the rules only sealed, never in the clear */
  huntRuleset: 'hunt-ruleset/',
  /** vendor/zero-padded sequence -> SignedHuntMatch: this member's signed match notifications for a vendor (SPEC 19) */
  huntMatch: 'hunt-match/',
  /** 'livehunt' -> the last report (date, jobId) Livehunt has run the rulesets over */
  huntCursor: 'hunt-cursor/',
  /** vendor -> StoredWebhook: the URL this member POSTs the vendor's signed match notifications to, and the last sequence delivered (SPEC 19) */
  huntWebhook: 'hunt-webhook/',
  /** jobId -> StoredReceipt: the Receipt this node signed for a wallet's file submission (SPEC 17), kept as the wallet's proof of being first */
  receipt: 'receipt/',
  /** zero-padded epoch -> StoredEpochRewards (SPEC 17): the epoch's tree (leaves), amounts and per-item breakdown this member computed */
  rewardsEpoch: 'rewards-epoch/',
  /** zero-padded epoch -> RewardsStateJson: the state the next epoch's computation starts from (only the newest kept) */
  rewardsState: 'rewards-state/',
  /** zero-padded epoch/member -> StoredRewardsSignature: the first RewardsRoot signature each member gossiped for the epoch */
  rewardsSignature: 'rewards-signature/',
  /** kind/subject sha256/submitter -> StoredGuardReport: a wallet guard's signed block report on a subject, one per distinct submitter (issue 15) */
  guardReport: 'guard-report/',
  /** zero-padded position/jobId -> jobId: reports in the order this node stored them (report-feed.ts), where the malicious feed pages */
  reportStored: 'report-stored/',
  /** jobId -> the report's position in reportStored */
  reportStoredAt: 'report-stored-at/',
  /**
   * base32 multihash -> the bytes of a block of at most SMALL_BLOCK_BYTES (small-block-tier.ts): a small sample's
   * manifest and chunk, written in the turn's synced batch instead of as files (schema 2)
   */
  smallBlock: 'small-block/'
} as const

export type Prefix = typeof PREFIXES[keyof typeof PREFIXES]

export const SCHEMA_VERSION_KEY = `${PREFIXES.meta}schema-version`

/** Hex parts are lowercased so keys never depend on the caller's spelling. */
export function dbKey (prefix: Prefix, ...parts: string[]): string {
  // one part (most keys, and every read a lookup makes) without map and join's arrays
  if (parts.length === 1) return prefix + (parts[0] as string).toLowerCase()
  return prefix + parts.map(p => p.toLowerCase()).join('/')
}

/** Range covering every key `<prefix><parts>/...` ('0' is the character after '/'). */
export function dbRange (prefix: Prefix, ...parts: string[]): { gte: string, lt: string } {
  const base = parts.length === 0 ? prefix : `${dbKey(prefix, ...parts)}/`
  return parts.length === 0 ? { gte: base, lt: prefix.slice(0, -1) + '0' } : { gte: base, lt: base.slice(0, -1) + '0' }
}
