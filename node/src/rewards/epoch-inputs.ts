/**
 * The reports an epoch's reward computation reads (SPEC 17): those anchored in epochs E-W..E, as this
 * member holds them. Epoch k's set is final once k is anchored (and the anchored root matched to its
 * jobs, every report held) or k can no longer be anchored: ReportAnchors takes no anchor after block
 * (k+1)·E + maxJobAgeBlocks, and this node has read the anchor events past it; nor one signed by nobody,
 * so an epoch without members at its first block (before the first election) is final and empty at once.
 */
import { maxJobAgeBlocksFrom } from '#protocol/index.ts'
import { rewardFactsOf } from '#protocol/rewards/index.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { RewardFacts } from '#protocol/rewards/index.ts'
import type { AnchorRepository } from '../db/anchor-repository.ts'
import type { ReportRepository } from '../db/report-repository.ts'

export type InputsWait = 'ANCHOR_OPEN' | 'UNMATCHED' | 'MISSING_REPORTS'

export type EpochInputs =
  | { ready: true, facts: RewardFacts[] }
  /** `epoch`: the window's epoch that is not final here yet */
  | { ready: false, reason: InputsWait, epoch: number, missing?: Hex[] }

export interface EpochInputsSources {
  epochBlocks: number
  payDelayEpochs: number
  anchors: Pick<AnchorRepository, 'epoch' | 'eventsReadTo'>
  reports: Pick<ReportRepository, 'get'>
  /** maxJobAgeBlocks (raw) at a block, as the registry follower read it */
  parameterAt: (name: string, block: number) => bigint | undefined
  /** the members at a followed block */
  membersAt: (block: number) => readonly Hex[]
}

/** The last block at which ReportAnchors still anchors epoch `k` (its EpochTooOld bound). */
export function anchorableUntil (k: number, epochBlocks: number, parameterAt: EpochInputsSources['parameterAt']): number {
  return (k + 1) * epochBlocks + maxJobAgeBlocksFrom(parameterAt('maxJobAgeBlocks', k * epochBlocks))
}

export async function epochInputs (epoch: number, s: EpochInputsSources, options: AbortOptions = {}): Promise<EpochInputs> {
  // every epoch of the window is found final before any report is read: a window that waits is asked
  // again at every pass (twice a second on the devnet), and its final epochs' reports, hundreds each
  // under load, were read and decoded at each of those passes only to be dropped
  const final: Array<{ epoch: number, jobIds: readonly Hex[] }> = []
  const readTo = await s.anchors.eventsReadTo() ?? -1
  for (let k = Math.max(0, epoch - s.payDelayEpochs); k <= epoch; k++) {
    options.signal?.throwIfAborted()
    const anchored = await s.anchors.epoch(k)
    if (anchored === undefined) {
      if (s.membersAt(k * s.epochBlocks).length > 0 && readTo < anchorableUntil(k, s.epochBlocks, s.parameterAt)) return { ready: false, reason: 'ANCHOR_OPEN', epoch: k }
      continue
    }
    if (anchored.jobIds === undefined) return { ready: false, reason: 'UNMATCHED', epoch: k }
    if ((anchored.missing?.length ?? 0) > 0) return { ready: false, reason: 'MISSING_REPORTS', epoch: k, missing: anchored.missing }
    final.push({ epoch: k, jobIds: anchored.jobIds })
  }
  // the facts are derived once every epoch of the window is final: a leaf recomputes the report's EIP-712 hashes
  const held: Array<{ report: Report, epoch: number }> = []
  for (const { epoch: k, jobIds } of final) {
    for (const jobId of jobIds) {
      options.signal?.throwIfAborted()
      const report = await s.reports.get(jobId)
      if (report === undefined) return { ready: false, reason: 'MISSING_REPORTS', epoch: k, missing: [jobId] }
      held.push({ report, epoch: k })
    }
  }
  return { ready: true, facts: held.map(({ report, epoch: k }) => rewardFactsOf(report, k)) }
}
