/**
 * The reward parameters governance sets (SPEC section 17): each is a NetworkParameters key, read at the
 * epoch's end block, so every member computes an epoch with the same values and a Governor proposal
 * executed by the Timelock changes them. DEFAULT_REWARD_PARAMS are the values a deployment starts with.
 */
import { BPS, DEFAULT_REWARD_PARAMS, REWARD_AMOUNT_FIELDS } from './params.ts'
import type { RewardParams } from './params.ts'

/** RewardParams field -> its NetworkParameters key (bytes32 names, at most 31 characters). */
export const REWARD_PARAMETER_KEYS = Object.freeze({
  budget: 'rewardBudgetPerEpoch',
  submitterShareBps: 'rewardSubmitterShareBps',
  baseReward: 'rewardBase',
  suspiciousBps: 'rewardSuspiciousBps',
  publicListBps: 'rewardPublicListBps',
  confirmationBps: 'rewardConfirmationBps',
  walletCapBase: 'rewardWalletCapBase',
  walletCapStakeBps: 'rewardWalletCapStakeBps',
  familyCap: 'rewardFamilyCap',
  memberRewardPerReveal: 'rewardPerReveal',
  confirmerMinStake: 'rewardConfirmerMinStake',
  submissionFee: 'rewardSubmissionFee',
  submissionDeposit: 'rewardSubmissionDeposit',
  fuzzyThreshold: 'rewardFuzzyThreshold',
  familyHalfLifeEpochs: 'rewardFamilyHalfLifeEpochs',
  settledRetentionEpochs: 'rewardSettledRetentionEpochs',
  freeSubmissionsPerEpoch: 'rewardFreeSubmissionsPerEpoch'
} as const)

export type GovernedRewardField = keyof typeof REWARD_PARAMETER_KEYS

/** The largest count field checkParams takes. */
const MAX_COUNT = 1_000_000n

/** Why a governed field took the protocol's value instead of the chain's. */
export interface DefaultedParameter {
  key: string
  reason: 'unset' | 'out-of-range'
}

export interface GovernedRewardParams {
  params: RewardParams
  /** keys the chain did not give a usable value at the block: each took `base`'s value (the budget: 0) */
  defaulted: DefaultedParameter[]
}

const isAmountField = (field: GovernedRewardField): boolean => (REWARD_AMOUNT_FIELDS as readonly string[]).includes(field)

function inRange (field: GovernedRewardField, value: bigint): boolean {
  if (value < 0n) return false
  if (field === 'submitterShareBps') return value <= BPS
  return isAmountField(field) || value <= MAX_COUNT
}

/**
 * The reward parameters in force at a block, from `read` (a NetworkParameters key's value at that block;
 * undefined when never set by then). A key never set, or set out of the range checkParams takes, takes
 * `base`'s value, so a bad proposal cannot stop every member's epoch (its checkpoint is final); the
 * budget unset is 0, as RewardsDistributor reads it. `payDelayEpochs` and the lists are not network
 * parameters: they come from `base` (see SPEC 17).
 */
export function rewardParamsFrom (read: (key: string) => bigint | undefined, base: RewardParams = DEFAULT_REWARD_PARAMS): GovernedRewardParams {
  const params: Record<string, unknown> = { ...base }
  const defaulted: DefaultedParameter[] = []
  for (const [field, key] of Object.entries(REWARD_PARAMETER_KEYS) as Array<[GovernedRewardField, string]>) {
    const value = read(key)
    if (value === undefined || !inRange(field, value)) {
      defaulted.push({ key, reason: value === undefined ? 'unset' : 'out-of-range' })
      if (field === 'budget') params.budget = value === undefined ? 0n : base.budget
      continue
    }
    params[field] = isAmountField(field) ? value : Number(value)
  }
  return { params: params as unknown as RewardParams, defaulted }
}

/** The NetworkParameters a deployment starts with for `params` (the budget excluded: the deploy plan sets it). */
export function rewardNetworkParameters (params: RewardParams = DEFAULT_REWARD_PARAMS): Record<string, bigint> {
  const out: Record<string, bigint> = {}
  for (const [field, key] of Object.entries(REWARD_PARAMETER_KEYS) as Array<[GovernedRewardField, string]>) {
    if (field !== 'budget') out[key] = BigInt(params[field] ?? 0)
  }
  return out
}
