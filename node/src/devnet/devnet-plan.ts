// The devnet's deploy plan: fast governance, 30-block epochs, and a rewards pool with a per-epoch budget,
// so that a newcomer's signed submission is paid within minutes (SPEC 17) on a chain of a block a second.
import { parseEther } from 'ethers'
import type { DeployPlan } from '#governance/index.ts'

/**
 * Blocks per anchor epoch (SPEC 15): at the devnet's block a second an epoch ends every 30 s, and with
 * proposer turns of 5 s its reports are anchored within a minute of their job. It only counts blocks:
 * membership confirmations (2 blocks) and job windows (wall-clock ms) do not depend on it.
 */
export const DEVNET_EPOCH_BLOCKS = 30

/**
 * How far a job's membership block may trail (SPEC 15). It also bounds how long an epoch nobody
 * anchored (no reports) keeps the rewards waiting: the reward of epoch P is computed once epochs
 * P..P+W are anchored or past this bound, so two minutes here, not the default day.
 */
export const DEVNET_MAX_JOB_AGE_BLOCKS = 120

/** Most of the supply to the miners, as the white paper intends (governance/PLAN: 60%). */
export const DEVNET_REWARDS_POOL = parseEther('600000000')
/** What one 30 s epoch may pay: a hundred base rewards of the default reward parameters. */
export const DEVNET_REWARD_BUDGET = parseEther('10000')
/** Ten seconds for a member to freeze a wrong root before it pays. */
export const DEVNET_REWARDS_CHALLENGE_BLOCKS = 10

/**
 * The plan a fresh devnet deploys with; the quorum windows depend on how many members share the machine.
 * `deliveryBlocks` shortens the DataMarket's delivery window (default DEFAULT_MARKET_TERMS' day), so that a
 * test can reach an order's deadline and refund it without mining thousands of blocks.
 */
export function devnetPlan (windows: { commitWindowMs: number, revealWindowMs: number, deliveryBlocks?: number | undefined }): DeployPlan {
  return {
    ...(windows.deliveryBlocks === undefined ? {} : { market: { deliveryBlocks: windows.deliveryBlocks } }),
    tokenSupply: parseEther('1000000000'),
    votingDelay: 1,
    votingPeriod: 10,
    proposalThreshold: 0n,
    quorumNumerator: 4,
    timelockMinDelay: 60,
    rewardsPool: DEVNET_REWARDS_POOL,
    rewardsChallengeBlocks: DEVNET_REWARDS_CHALLENGE_BLOCKS,
    // the quorum windows are network parameters on chain; a reused deployment keeps its own
    parameters: {
      commitWindowMs: BigInt(windows.commitWindowMs),
      revealWindowMs: BigInt(windows.revealWindowMs),
      epochBlocks: BigInt(DEVNET_EPOCH_BLOCKS),
      maxJobAgeBlocks: BigInt(DEVNET_MAX_JOB_AGE_BLOCKS),
      rewardBudgetPerEpoch: DEVNET_REWARD_BUDGET
    }
  }
}
