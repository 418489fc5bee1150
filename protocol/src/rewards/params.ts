/**
 * The reward function's governance parameters (SPEC section 17). Learned or simulated weights reach
 * the function only as values of these, so every member computes the same integers.
 */
import type { Hex } from '../messages.ts'
import { RewardsError } from './errors.ts'

export interface RewardParams {
  /** W: epoch E pays the reports anchored in E - W */
  payDelayEpochs: number
  /** wei the epoch may pay at most (rewardBudgetPerEpoch at the epoch's end block) */
  budget: bigint
  /** the submitters' share of the budget; the rest is the members' pool */
  submitterShareBps: bigint
  /** wei for one first, confirmed malicious item before the multipliers */
  baseReward: bigint
  suspiciousBps: bigint
  publicListBps: bigint
  confirmationBps: bigint
  walletCapBase: bigint
  walletCapStakeBps: bigint
  /** wei one family may earn in one epoch */
  familyCap: bigint
  memberRewardPerReveal: bigint
  /** sha256 of test files (EICAR's and the project's), lowercase */
  testSha256: readonly Hex[]
  /** lowercase substrings of labels that name test signatures */
  testLabels: readonly string[]
  /** engine ids whose detection means a public list already knew the item */
  publicListEngines: readonly string[]
  /**
   * a confirmation (rule 4) counts only from a wallet staking at least this much, and each such wallet
   * confirms at most stake / confirmerMinStake items per epoch (0: any wallet, without limit)
   */
  confirmerMinStake: bigint
  /** reports whose fuzzy hashes (TLSH body distance) are at most this far apart are one family */
  fuzzyThreshold: number
  /** a family's paid count halves every this many epochs without a paid member (0: never) */
  familyHalfLifeEpochs: number
  /** epochs a settled item is remembered (0: forever); after them it could earn again as new */
  settledRetentionEpochs: number
  /** signed reports per wallet per paid epoch that carry no fee */
  freeSubmissionsPerEpoch: number
  /** wei charged per signed report over the free quota, deducted from the wallet's rewards */
  submissionFee: bigint
  /**
   * wei of SubmissionDeposits a signed report needs to earn (rule 0): used until its epoch is paid, then
   * paid back up to what the report earned, the rest forfeited to the pool (0, or absent in params
   * written before rule 0: no deposit needed)
   */
  submissionDeposit?: bigint
}

export const BPS = 10_000n
const VMT = 10n ** 18n

/** EICAR's standard 68-byte test file. */
export const EICAR_SHA256 = '0x275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' as Hex

/** Starting values (the simulations tune them; governance sets them). */
export const DEFAULT_REWARD_PARAMS: RewardParams = Object.freeze({
  payDelayEpochs: 2,
  budget: 10_000n * VMT,
  submitterShareBps: 8_000n,
  baseReward: 100n * VMT,
  suspiciousBps: 2_500n,
  publicListBps: 1_000n,
  confirmationBps: 15_000n,
  walletCapBase: 1_000n * VMT,
  walletCapStakeBps: 1_000n,
  familyCap: 500n * VMT,
  memberRewardPerReveal: VMT,
  testSha256: Object.freeze([EICAR_SHA256]),
  testLabels: Object.freeze(['eicar', 'testfile', '.test.']),
  // the node's public-list engines by their report names (scan/hash-list-engine.ts, intel/lists/lists-engine.ts;
  // node/test/rewards/public-list-engines.test.ts holds them together)
  publicListEngines: Object.freeze(['VirusMap-HashList', 'VirusMap-Lists']),
  confirmerMinStake: 1_000n * VMT,
  fuzzyThreshold: 30,
  familyHalfLifeEpochs: 26,
  settledRetentionEpochs: 520,
  freeSubmissionsPerEpoch: 5,
  // with these two a mutator farming on many wallets loses (issue 18's fee sweep; at deposit 0 and fee 10 it made +50 on cost)
  submissionFee: 20n * VMT,
  submissionDeposit: 8n * VMT
})

/** The fields in wei or bps (bigint); a JSON spelling writes them as decimal strings. */
export const REWARD_AMOUNT_FIELDS = [
  'budget', 'submitterShareBps', 'baseReward', 'suspiciousBps', 'publicListBps', 'confirmationBps',
  'walletCapBase', 'walletCapStakeBps', 'familyCap', 'memberRewardPerReveal', 'confirmerMinStake', 'submissionFee', 'submissionDeposit'
] as const

const COUNT_FIELDS = ['payDelayEpochs', 'fuzzyThreshold', 'familyHalfLifeEpochs', 'settledRetentionEpochs', 'freeSubmissionsPerEpoch'] as const

const lowercaseStrings = (list: unknown): boolean => Array.isArray(list) && list.every(s => typeof s === 'string' && s.length > 0 && s === s.toLowerCase())

/** Throws BAD_PARAMS unless every amount is a non-negative bigint, the share at most 100% and W a small integer. */
export function checkParams (p: RewardParams): void {
  if (typeof p !== 'object' || p === null) throw new RewardsError('BAD_PARAMS', 'params must be an object')
  for (const k of REWARD_AMOUNT_FIELDS) {
    if (k === 'submissionDeposit' && p[k] === undefined) continue
    if (typeof p[k] !== 'bigint' || p[k] < 0n) throw new RewardsError('BAD_PARAMS', `${k} must be a non-negative bigint`)
  }
  if (p.submitterShareBps > BPS) throw new RewardsError('BAD_PARAMS', 'submitterShareBps is at most 10000')
  if (!Number.isSafeInteger(p.payDelayEpochs) || p.payDelayEpochs < 0 || p.payDelayEpochs > 1024) throw new RewardsError('BAD_PARAMS', 'payDelayEpochs must be an integer in [0, 1024]')
  for (const k of COUNT_FIELDS) {
    if (!Number.isSafeInteger(p[k]) || p[k] < 0 || p[k] > 1_000_000) throw new RewardsError('BAD_PARAMS', `${k} must be an integer in [0, 1000000]`)
  }
  if (!lowercaseStrings(p.testSha256) || !lowercaseStrings(p.testLabels) || !Array.isArray(p.publicListEngines) || !p.publicListEngines.every(s => typeof s === 'string')) {
    throw new RewardsError('BAD_PARAMS', 'testSha256 and testLabels must be lowercase non-empty strings, publicListEngines strings')
  }
}
