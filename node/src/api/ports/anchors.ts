import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'

/** Where a report is anchored on chain (SPEC 15): served as `virusmap_anchor`, checked by light-client/anchor-check.ts. */
export interface ReportAnchorView {
  epoch: number
  root: Hex
  /** the StandardMerkleTree proof of the report's leaf, leaf first */
  proof: Hex[]
  /** the block whose transaction anchored the epoch */
  block: number
}

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
