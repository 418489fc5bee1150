/** The governed reward parameters (SPEC section 17): NetworkParameters keys read at a block, defaults only where unset or unusable. */
import tap from 'tap'
import {
  checkParams, computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, REWARD_PARAMETER_KEYS, rewardNetworkParameters, rewardParamsFrom
} from '../../src/index.ts'
import { facts, item, VMT, wallet } from './reward-fixtures.ts'

const deployed = (): Map<string, bigint> => new Map([...Object.entries(rewardNetworkParameters()), ['rewardBudgetPerEpoch', 10_000n * VMT]])

tap.test('the deploy-time values read back as DEFAULT_REWARD_PARAMS', async (t) => {
  const chain = deployed()
  const { params, defaulted } = rewardParamsFrom((k) => chain.get(k))
  t.same(defaulted, [])
  t.same(params, DEFAULT_REWARD_PARAMS)
  t.ok(Object.values(REWARD_PARAMETER_KEYS).every((k) => k.length <= 31), 'every key fits a bytes32 string')
  t.equal(new Set(Object.values(REWARD_PARAMETER_KEYS)).size, Object.keys(REWARD_PARAMETER_KEYS).length, 'no key names two fields')
  t.notOk('rewardBudgetPerEpoch' in rewardNetworkParameters(), 'the budget is the deploy plan\'s')
})

tap.test('a governed value replaces the default, and changes what the epoch pays', async (t) => {
  const chain = deployed()
  chain.set('rewardBase', 40n * VMT)
  chain.set('rewardFreeSubmissionsPerEpoch', 0n)
  chain.set('rewardSubmissionFee', 3n * VMT)
  const { params } = rewardParamsFrom((k) => chain.get(k), { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0 })
  checkParams(params)
  t.equal(params.baseReward, 40n * VMT)
  t.equal(params.freeSubmissionsPerEpoch, 0, 'counts are numbers')
  t.equal(params.payDelayEpochs, 0, 'W is the base\'s')
  const deposit = DEFAULT_REWARD_PARAMS.submissionDeposit ?? 0n
  const input = { epoch: 0, facts: [facts({ submitter: wallet(1), item: item(1) })], state: INITIAL_REWARDS_STATE, deposits: new Map([[wallet(1), { deposited: deposit, withdrawalsRequested: 0n }]]) }
  const before = computeEpochRewards({ ...input, params: { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0 } })
  const after = computeEpochRewards({ ...input, params })
  t.equal(before.amounts.get(wallet(1)), 100n * VMT + deposit, '100 VMT and its deposit back')
  t.equal(after.amounts.get(wallet(1)), 37n * VMT + deposit, '40 VMT less the 3 VMT fee on its one report, and its deposit back')
  t.equal(computeEpochRewards({ ...input, deposits: new Map(), params }).items[0]?.outcome, 'no-deposit', 'the deploy-time deposit is in force')
})

tap.test('unset and out-of-range keys take the default, the unset budget 0', async (t) => {
  const { params, defaulted } = rewardParamsFrom(() => undefined)
  t.equal(params.budget, 0n, 'no budget set: nothing to pay, as the contract reads it')
  t.equal(params.baseReward, DEFAULT_REWARD_PARAMS.baseReward)
  t.equal(defaulted.length, Object.keys(REWARD_PARAMETER_KEYS).length)
  t.ok(defaulted.every((d) => d.reason === 'unset'))
  const hostile = deployed()
  hostile.set('rewardSubmitterShareBps', 10_001n)
  hostile.set('rewardFuzzyThreshold', 2n ** 200n)
  hostile.set('rewardFamilyHalfLifeEpochs', 1_000_001n)
  hostile.set('rewardBudgetPerEpoch', -1n)
  hostile.set('rewardBase', 2n ** 207n)
  const read = rewardParamsFrom((k) => hostile.get(k))
  checkParams(read.params)
  t.same(read.defaulted.map((d) => d.key).toSorted(), ['rewardBudgetPerEpoch', 'rewardFamilyHalfLifeEpochs', 'rewardFuzzyThreshold', 'rewardSubmitterShareBps'])
  t.ok(read.defaulted.every((d) => d.reason === 'out-of-range'))
  t.equal(read.params.submitterShareBps, DEFAULT_REWARD_PARAMS.submitterShareBps)
  t.equal(read.params.fuzzyThreshold, DEFAULT_REWARD_PARAMS.fuzzyThreshold)
  t.equal(read.params.budget, DEFAULT_REWARD_PARAMS.budget)
  t.equal(read.params.baseReward, 2n ** 207n, 'any uint208 is an amount')
  t.equal(read.params.submitterShareBps, 8000n)
  const edge = deployed()
  edge.set('rewardSubmitterShareBps', 10_000n)
  edge.set('rewardSettledRetentionEpochs', 1_000_000n)
  t.same(rewardParamsFrom((k) => edge.get(k)).defaulted, [], 'the bounds themselves are in range')
})
