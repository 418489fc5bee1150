import { epochProposers, isEligible } from '#protocol/anchors.ts'
import { MAX_ANCHOR_JOBS } from '#protocol/messages.ts'
import { latestTurn } from '../chain/turn-order.ts'
import type { Hex } from '#protocol/messages.ts'

/**
 * Whose turn it is to propose an epoch's root (SPEC 15), as pure arithmetic. Rank `r` of the epoch's
 * `n` proposers has turns `r, r + n, r + 2n, ...`, turn `k` starting `k × turnMs` after the timestamp
 * of the block that ended the epoch: a proposer whose root gathered no quorum (it listed a report some
 * members lack, or vanished) is followed by the next, and after the last rank the first tries again.
 */
export interface TurnInput {
  self: Hex
  /** the members at the epoch's first block */
  members: readonly Hex[]
  epoch: number
  /** ms since the epoch ended (now minus the timestamp of block (e+1)·E) */
  elapsedMs: number
  turnMs: number
}

/** This node's latest turn that has begun, or undefined: not a member at the epoch's first block, or its first turn is still ahead. */
export function currentTurn (input: TurnInput): number | undefined {
  const order = epochProposers(input.members, input.epoch)
  return latestTurn(order.indexOf(input.self.toLowerCase() as Hex), order.length, input.elapsedMs, input.turnMs)
}

export interface AnchorCandidate {
  jobId: Hex
  membershipBlock: number
}

/**
 * The jobIds a proposal lists: the final reports held that are eligible for the epoch and not anchored
 * yet, ascending. Past MAX_ANCHOR_JOBS the oldest blocks go first: they are nearest their age bound,
 * and the rest stay eligible for the next epochs.
 */
export function selectEligible (candidates: readonly AnchorCandidate[], epoch: number, epochBlocks: number, maxJobAgeBlocks: number, anchored: (jobId: Hex) => boolean): Hex[] {
  const seen = new Set<string>()
  const eligible = candidates.filter((c) => {
    const id = c.jobId.toLowerCase()
    if (seen.has(id) || anchored(c.jobId) || !isEligible(c, epoch, epochBlocks, maxJobAgeBlocks)) return false
    seen.add(id)
    return true
  })
  return eligible
    .toSorted((a, b) => a.membershipBlock - b.membershipBlock)
    .slice(0, MAX_ANCHOR_JOBS)
    .map((c) => c.jobId.toLowerCase() as Hex)
    .toSorted()
}
