import type { AbortOptions } from '@libp2p/interface'
import type { Hex, SampleKind } from '#protocol/messages.ts'
import type { ReportStats } from '#protocol/report-format.ts'

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
  /** the RPC, NetworkParameters, ReportAnchors, Governor and RewardsDistributor this node uses: only a suggestion, which a light client pins or replaces */
  suggested?: { rpcUrl: string, parameters?: Hex, anchors?: Hex, governor?: Hex, rewards?: Hex }
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
