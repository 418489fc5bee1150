// What the anchor service needs of the chain: ReportAnchors' reads, its events and anchor() (anchor-chain.ts).
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'

/** An EpochAnchored event (SPEC 15). */
export interface EpochAnchoredEvent {
  epoch: number
  root: Hex
  leafCount: number
  submitter: Hex
  block: number
  tx: Hex
}

export type AnchorPostResult =
  | { posted: true, tx: Hex, block: number }
  /** another node's anchor for the epoch came first: nothing to do */
  | { posted: false, reason: 'ALREADY_ANCHORED' | 'EPOCH_TOO_OLD' }

export interface AnchorChain {
  /** E, fixed when ReportAnchors was deployed */
  epochBlocks(options?: AbortOptions): Promise<number>
  head(options?: AbortOptions): Promise<number>
  /** the block's timestamp in ms, undefined when it is not mined yet */
  blockTime(block: number, options?: AbortOptions): Promise<number | undefined>
  anchored(epoch: number, options?: AbortOptions): Promise<boolean>
  events(fromBlock: number, toBlock: number, options?: AbortOptions): Promise<EpochAnchoredEvent[]>
  /** posts `anchor(...)` with the operator key; an "already anchored" or "too old" revert is an answer, not an error */
  post(epoch: number, root: Hex, leafCount: number, signatures: Hex[], options?: AbortOptions): Promise<AnchorPostResult>
}
