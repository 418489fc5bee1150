import { Counter, Histogram, Registry, Gauge, collectDefaultMetrics } from 'prom-client'

/** Every Prometheus metric of a supernode, named virusmap_<subsystem>_<what>_<unit>, labels bounded. */
export interface GossipMetrics {
  messages: Counter<'topic' | 'result'>
  published: Counter<'topic'>
  /** peers whose gossipsub score is below the graylist threshold (their RPCs are dropped unread) */
  graylistedPeers: Gauge
  /** set by the gossip layer: counts graylisted peers when /metrics is read */
  countGraylisted?: () => number
  /** messages whose validation waits for what this node is behind on (SPEC section 6); a steady high value means a node behind the chain or its peers */
  pendingValidations: Gauge
  /** set by the gossip layer: counts them when /metrics is read */
  countPending?: () => number
  /** messages waiting in the per-topic queues to be judged (gossip-processor.ts); a steady high value means a node short of CPU */
  queuedMessages: Gauge
  /** set by the gossip layer: counts them when /metrics is read */
  countQueued?: () => number
}

export interface QuorumMetrics {
  jobsCreated: Counter
  verdictsPublished: Counter
  reportsCompleted: Counter
  quorumLatency: Histogram
  scanDuration: Histogram<'engine' | 'category'>
  /** stored reports a reorg took the membership from (moved out of the served indexes) */
  reportsWithdrawn: Counter
  /** in-memory jobs dropped because a reorg took their membership away */
  liveJobsDropped: Counter
  /** jobs that ended without a final report, by reason (JobFailure) */
  jobsFailed: Counter<'reason'>
  /** jobs this node retried as their origin */
  jobsRetried: Counter
  /** uploads waiting for an admission slot (SPEC section 10) */
  jobsQueued: Gauge
  /** a submitted URL's domain or IP, by what became of it (submitted, known, dropped, failed) */
  derivedIndicators: Counter<'result'>
  /** domains and IPs of submitted URLs waiting for a spare admission slot */
  derivedQueued: Gauge
  /** sample blocks read to scan or serve a sample, by source: local, inline (carried by its job), fetched (bitswap) */
  sampleBlocks: Counter<'source'>
}

export interface ChainMetrics {
  followedBlock: Gauge
  members: Gauge
  reorgs: Counter
  /** followed blocks each rollback took back */
  reorgDepth: Histogram
}

export interface AnchorMetrics {
  /** the newest epoch seen anchored on chain */
  anchoredEpoch: Gauge
  proposals: Counter
  /** proposals this node signed, and those it refused by code (proposal-check.ts) */
  signed: Counter
  refused: Counter<'code'>
  /** anchor transactions, by result: posted, already-anchored */
  posts: Counter<'result'>
  /** gossip messages dropped because the anchor work queue was full */
  dropped: Counter
  /** a second proposal listing other jobs under a root already held, gossiped or fetched (anchors/proposal-offer.ts) */
  proposalConflicts: Counter
}

export interface RewardsMetrics {
  /** the newest epoch whose rewards this member computed */
  computedEpoch: Gauge
  /** RewardsRoots this member signed (its own, computed ones only) */
  signed: Counter
  /** members' signatures over a root (or total) other than the one this member computed */
  rootMismatch: Counter
  /** postRoot transactions, by result: posted, already-posted, root-open */
  posts: Counter<'result'>
  /** gossip messages dropped because the rewards work queue was full */
  dropped: Counter
  /** computed epochs forgotten and computed again because a reorg changed their inputs */
  recomputed: Counter
  /** rewards epochs declared unreconciled: their anchored list or reports no peer served in time, by reason (UNMATCHED, MISSING_REPORTS) */
  unreconciled: Counter<'reason'>
  /** the oldest rewards epoch unreconciled here and not computed since (-1: none) */
  unreconciledEpoch: Gauge
}

export interface ReportFetchMetrics {
  /** one peer asked for an anchored report (or an anchored epoch's proposal) this member lacks, by outcome (fetched, not-found, rate-limited, rejected, unreachable; no-peer: nobody to ask) */
  fetches: Counter<'outcome'>
  /** report requests this node answered, by outcome (found, not-found, rate-limited, bad-request, failed) */
  served: Counter<'outcome'>
}

export interface MarketMetrics {
  /** confirmed sample orders this node looked at, by outcome (delivered, not-held, not-member, ...; a closed set) */
  orders: Counter<'outcome'>
  /** this member's turns to fulfil an order with f+1 members' signatures, by outcome (fulfilled, closed, failed) */
  fulfils: Counter<'outcome'>
  /** open orders this member follows for their members' signatures */
  openOrders: Gauge
}

export interface HuntMetrics {
  /** rulesets active at this member (registered, paid, loaded into Livehunt) */
  rulesets: Gauge
  /** ruleset registrations, by outcome: accepted or the HuntError code that refused it (a closed set) */
  registrations: Counter<'outcome'>
  /** Livehunt scans of one sample against every active ruleset, by outcome (done, partial: some rulesets over budget, timeout: all of them, failed) */
  scans: Counter<'outcome'>
  /** signed match notifications, by source (live, retro) */
  matches: Counter<'source'>
  /** Retrohunts, by the bound that stopped them (end, samples, bytes, time) */
  retrohunts: Counter<'stopped_by'>
}

export interface IntelMetrics {
  /** entries each operator indicator feed holds (label: the feed's configured name) */
  feedEntries: Gauge<'feed'>
  /** feed refreshes by result: changed, unchanged, error */
  feedRefreshes: Counter<'feed' | 'result'>
}

export interface NodeMetrics {
  registry: Registry
  gossip: GossipMetrics
  quorum: QuorumMetrics
  chain: ChainMetrics
  intel: IntelMetrics
  anchors: AnchorMetrics
  market: MarketMetrics
  hunt: HuntMetrics
  rewards: RewardsMetrics
  reportFetch: ReportFetchMetrics
  slashing: { proofs: Counter<'outcome'> }
}

export function createIntelMetrics (registers: Registry[]): IntelMetrics {
  return {
    feedEntries: new Gauge({ name: 'virusmap_intel_feed_entries', help: 'entries held by each indicator feed', labelNames: ['feed'], registers }),
    feedRefreshes: new Counter({ name: 'virusmap_intel_feed_refreshes_total', help: 'indicator feed refreshes, by feed and result (changed, unchanged, error)', labelNames: ['feed', 'result'], registers })
  }
}

export function createNodeMetrics (): NodeMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'virusmap_process_' })
  const registers = [registry]
  const gossip: GossipMetrics = {
    messages: new Counter({ name: 'virusmap_gossip_messages_total', help: 'gossip messages validated, by topic and result (accept, ignore, reject; dropped: this node\'s queue was full or it stopped)', labelNames: ['topic', 'result'], registers }),
    published: new Counter({ name: 'virusmap_gossip_published_total', help: 'gossip messages published, by topic', labelNames: ['topic'], registers }),
    graylistedPeers: new Gauge({
      name: 'virusmap_gossip_graylisted_peers',
      help: 'gossip peers scored below the graylist threshold',
      registers,
      collect () { this.set(gossip.countGraylisted?.() ?? 0) }
    }),
    pendingValidations: new Gauge({
      name: 'virusmap_gossip_pending_validations',
      help: 'gossip messages whose validation waits for a job, a commitment or a block this node is behind on',
      registers,
      collect () { this.set(gossip.countPending?.() ?? 0) }
    }),
    queuedMessages: new Gauge({
      name: 'virusmap_gossip_queued_messages',
      help: 'gossip messages waiting in their topic\'s queue to be judged',
      registers,
      collect () { this.set(gossip.countQueued?.() ?? 0) }
    })
  }
  return {
    registry,
    gossip,
    quorum: {
      jobsCreated: new Counter({ name: 'virusmap_quorum_jobs_created_total', help: 'scan jobs this node created', registers }),
      verdictsPublished: new Counter({ name: 'virusmap_quorum_verdicts_published_total', help: 'verdicts this node revealed', registers }),
      reportsCompleted: new Counter({ name: 'virusmap_quorum_reports_completed_total', help: 'reports that reached quorum here', registers }),
      quorumLatency: new Histogram({ name: 'virusmap_quorum_latency_seconds', help: 'job creation to quorum report', buckets: [0.5, 1, 2, 5, 10, 20, 40, 80], registers }),
      scanDuration: new Histogram({ name: 'virusmap_scan_duration_seconds', help: 'engine scan time', labelNames: ['engine', 'category'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers }),
      reportsWithdrawn: new Counter({ name: 'virusmap_quorum_reports_withdrawn_total', help: 'stored reports withdrawn because a reorg took away the membership they relied on', registers }),
      liveJobsDropped: new Counter({ name: 'virusmap_quorum_live_jobs_dropped_total', help: 'in-memory jobs dropped because a reorg took away their membership', registers }),
      jobsFailed: new Counter({ name: 'virusmap_quorum_jobs_failed_total', help: 'jobs that ended without a final report', labelNames: ['reason'], registers }),
      jobsRetried: new Counter({ name: 'virusmap_quorum_jobs_retried_total', help: 'failed jobs this node retried as their origin', registers }),
      jobsQueued: new Gauge({ name: 'virusmap_quorum_jobs_queued', help: 'uploads waiting for an admission slot', registers }),
      derivedIndicators: new Counter({ name: 'virusmap_quorum_derived_indicators_total', help: 'domains and IPs of submitted URLs, by outcome: submitted, known (record, report or open job here), dropped (queue full), failed', labelNames: ['result'], registers }),
      derivedQueued: new Gauge({ name: 'virusmap_quorum_derived_indicators_queued', help: 'domains and IPs of submitted URLs waiting for a spare admission slot', registers }),
      sampleBlocks: new Counter({ name: 'virusmap_samples_blocks_read_total', help: 'sample blocks read to scan or serve a sample, by source (local: this node\'s store, inline: carried by the job, fetched: by bitswap)', labelNames: ['source'], registers })
    },
    chain: {
      followedBlock: new Gauge({ name: 'virusmap_chain_followed_block', help: 'highest confirmed registry block applied', registers }),
      members: new Gauge({ name: 'virusmap_chain_members', help: 'members at the followed block', registers }),
      reorgs: new Counter({ name: 'virusmap_chain_reorgs_total', help: 'chain reorganisations that rolled back followed registry/parameter blocks', registers }),
      reorgDepth: new Histogram({ name: 'virusmap_chain_reorg_depth_blocks', help: 'followed blocks a reorganisation took back', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024], registers })
    },
    intel: createIntelMetrics(registers),
    anchors: {
      anchoredEpoch: new Gauge({ name: 'virusmap_anchors_anchored_epoch', help: 'newest epoch seen anchored on chain', registers }),
      proposals: new Counter({ name: 'virusmap_anchors_proposals_total', help: 'epoch roots this node proposed', registers }),
      signed: new Counter({ name: 'virusmap_anchors_signed_total', help: 'anchor proposals this node signed', registers }),
      refused: new Counter({ name: 'virusmap_anchors_refused_total', help: 'anchor proposals this node did not sign, by reason', labelNames: ['code'], registers }),
      posts: new Counter({ name: 'virusmap_anchors_posts_total', help: 'anchor transactions, by result (posted, already-anchored, too-old)', labelNames: ['result'], registers }),
      dropped: new Counter({ name: 'virusmap_anchors_dropped_total', help: 'anchor gossip messages dropped because the work queue was full', registers }),
      proposalConflicts: new Counter({ name: 'virusmap_anchors_proposal_conflicts_total', help: 'proposals listing other jobs under a root this node already held one for', registers })
    },
    slashing: {
      proofs: new Counter({ name: 'virusmap_evidence_proofs_total', help: 'equivocation pairs this node took a turn to prove on chain, by outcome (proven, already, removed, failed)', labelNames: ['outcome'], registers })
    },
    market: {
      orders: new Counter({ name: 'virusmap_market_orders_total', help: 'confirmed data-market orders this node looked at, by outcome', labelNames: ['outcome'], registers }),
      fulfils: new Counter({ name: 'virusmap_market_fulfils_total', help: 'this member\'s turns to fulfil an order with its members\' signatures, by outcome (fulfilled, closed, failed)', labelNames: ['outcome'], registers }),
      openOrders: new Gauge({ name: 'virusmap_market_open_orders', help: 'open data-market orders this member follows for members\' Delivered signatures', registers })
    },
    hunt: {
      rulesets: new Gauge({ name: 'virusmap_hunt_rulesets', help: 'vendor rulesets active at this member (registered, paid, in Livehunt)', registers }),
      registrations: new Counter({ name: 'virusmap_hunt_registrations_total', help: 'hunt ruleset registrations, by outcome (accepted, or the refusing HuntError code)', labelNames: ['outcome'], registers }),
      scans: new Counter({ name: 'virusmap_hunt_scans_total', help: 'Livehunt scans of a sample against every active ruleset, by outcome (done, partial: some rulesets over budget, timeout: all, failed)', labelNames: ['outcome'], registers }),
      matches: new Counter({ name: 'virusmap_hunt_matches_total', help: 'signed hunt match notifications, by source (live, retro)', labelNames: ['source'], registers }),
      retrohunts: new Counter({ name: 'virusmap_hunt_retrohunts_total', help: 'Retrohunts run, by the bound that stopped them (end, samples, bytes, time)', labelNames: ['stopped_by'], registers })
    },
    rewards: {
      computedEpoch: new Gauge({ name: 'virusmap_rewards_computed_epoch', help: 'newest epoch whose rewards this member computed', registers }),
      signed: new Counter({ name: 'virusmap_rewards_signed_total', help: 'rewards roots this member computed and signed', registers }),
      rootMismatch: new Counter({ name: 'virusmap_rewards_root_mismatch_total', help: 'members\' rewards-root signatures over a root other than the one this member computed', registers }),
      posts: new Counter({ name: 'virusmap_rewards_posts_total', help: 'postRoot transactions, by result (posted, already-posted, root-open, not-mined)', labelNames: ['result'], registers }),
      dropped: new Counter({ name: 'virusmap_rewards_dropped_total', help: 'rewards gossip messages dropped because the work queue was full', registers }),
      recomputed: new Counter({ name: 'virusmap_rewards_recomputed_epochs_total', help: 'computed rewards epochs forgotten and computed again because a reorg changed their anchors, members, parameters or stakes', registers }),
      unreconciled: new Counter({ name: 'virusmap_rewards_unreconciled_total', help: 'rewards epochs declared unreconciled: the anchored list or reports they read were not served by any peer in time (or the quorum posted without this member), by reason', labelNames: ['reason'], registers }),
      unreconciledEpoch: new Gauge({ name: 'virusmap_rewards_unreconciled_epoch', help: 'oldest rewards epoch this member declared unreconciled and has not computed since (-1: none)', registers })
    },
    reportFetch: {
      fetches: new Counter({ name: 'virusmap_report_fetch_total', help: 'peers asked for an anchored report or proposal this member lacks, by outcome (fetched, not-found, rate-limited, rejected, unreachable, no-peer)', labelNames: ['outcome'], registers }),
      served: new Counter({ name: 'virusmap_report_served_total', help: 'report and proposal requests this node answered, by outcome (found, not-found, rate-limited, bad-request, failed)', labelNames: ['outcome'], registers })
    }
  }
}
