/**
 * One rewards epoch computed from what this member holds (SPEC 17): the parameters in force at its end
 * block (the protocol's where a governed key is unset or out of range), its window's anchors and reports
 * (epoch-inputs.ts), each signed submitter's stake and, where the deployment has SubmissionDeposits, the
 * deposits at the paid epoch's end block (rule 0). Every member computes the same record from the same chain.
 */
import { computeEpochRewards, rewardParamsFrom, stakedWallets } from '#protocol/rewards/index.ts'
import { epochInputs } from './epoch-inputs.ts'
import { epochRecordOf } from './epoch-record.ts'
import { windowAnchors } from './inputs-watch.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { RewardParams, RewardsState } from '#protocol/rewards/index.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { Repositories } from '../db/repositories.ts'
import type { StoredEpochRewards } from '../db/rewards-repository.ts'
import type { EpochInputs } from './epoch-inputs.ts'
import type { DepositSource, StakeSource } from './ports.ts'

export interface EpochComputeSources {
  epochBlocks: number
  /** what the chain does not set (RewardsServiceOptions.params) */
  base: RewardParams
  follower: Pick<RegistryFollower, 'parameterAt' | 'membersAt'>
  repos: Pick<Repositories, 'reports' | 'anchors'>
  stakes: StakeSource
  deposits?: DepositSource
}

export type EpochComputed =
  | Extract<EpochInputs, { ready: false }>
  /** `unusable`: governed keys out of range at the end block, for which the protocol's values were used */
  | { ready: true, record: StoredEpochRewards, state: RewardsState, unusable: string[] }

/** `epoch` computed on `state` (the state after the epoch before it), or what its inputs still wait for. */
export async function computeEpoch (epoch: number, state: RewardsState, s: EpochComputeSources, options: AbortOptions = {}): Promise<EpochComputed> {
  const end = (epoch + 1) * s.epochBlocks - 1
  const { params, defaulted } = rewardParamsFrom((key) => s.follower.parameterAt(key, end), s.base)
  // read before the inputs: an anchor that changes between the two reads is seen as changed at the next pass
  const anchors = await windowAnchors(s.repos.anchors, epoch - params.payDelayEpochs, epoch, options)
  const inputs = await epochInputs(epoch, {
    epochBlocks: s.epochBlocks, payDelayEpochs: params.payDelayEpochs, anchors: s.repos.anchors, reports: s.repos.reports, parameterAt: s.follower.parameterAt, membersAt: s.follower.membersAt
  }, options)
  if (!inputs.ready) return inputs
  const stakes = await s.stakes.stakesAt(stakedWallets(inputs.facts), end, options)
  const paidEpoch = epoch - params.payDelayEpochs
  const deposits = s.deposits === undefined || paidEpoch < 0 ? undefined : await s.deposits.depositsAt((paidEpoch + 1) * s.epochBlocks - 1, options)
  const result = computeEpochRewards({ epoch, facts: inputs.facts, state, params, stakes, ...(deposits === undefined ? {} : { deposits }) })
  return {
    ready: true,
    record: { ...epochRecordOf(result, { reports: inputs.facts.length, budget: params.budget }), anchors },
    state: result.state,
    unusable: defaulted.filter((d) => d.reason === 'out-of-range').map((d) => d.key)
  }
}
