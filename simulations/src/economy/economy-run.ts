/**
 * One seeded run of the token economy: every epoch the agents submit, the detection model scans, the
 * facts of epochs E-W..E go to the real computeEpochRewards (protocol/src/rewards), and rewards, costs,
 * the market and the supply are booked. Pure: the same seed and options give the same result.
 */
import type { Hex } from '#protocol/messages.ts'
import { computeEpochRewards, INITIAL_REWARDS_STATE } from '#protocol/rewards/index.ts'
import type { EpochRewards, RewardFacts, RewardParams, RewardsState } from '#protocol/rewards/index.ts'
import { createRng } from '../prng.ts'
import { Population } from './agents.ts'
import type { Submission } from './agents.ts'
import { DepositBook } from './deposit.ts'
import { scanFacts } from './detection.ts'
import { bytes32, TAG } from './hex.ts'
import { marketEpoch, toVmt, toWei } from './market.ts'
import { AGENT_TYPES } from './params.ts'
import type { AgentType, EconomyParams } from './params.ts'
import { budgetAt, newLedger, supplyView } from './supply.ts'
import type { BudgetSchedule, SupplyView } from './supply.ts'
import { World } from './world.ts'

export interface RunOptions {
  seed: number
  /** epochs with submissions; W more follow without, so every submission's payment falls in the run */
  epochs: number
  params: RewardParams
  eco: EconomyParams
  schedule?: BudgetSchedule
  /** called with every epoch's reward output (the tests check conservation on it) */
  onEpoch?: (out: EpochRewards, budget: bigint, supply: SupplyView) => void
  /** epochs between prunings of the settled set (0: never; the tests compare) */
  pruneEvery?: number
}

export type ByType = Record<AgentType, number>

export interface RunResult {
  /** VMT the reward function paid, by type, after its fees */
  reward: ByType
  /** VMT the market's member share paid the members */
  marketIncome: number
  /** VMT spent by type: effort, stake opportunity, members' operation (fees are deducted from `reward`) */
  cost: ByType
  /** small honest wallets paid at least once / those that submitted */
  smallPaid: number
  /** network-scale supply at the end of each year, millions of VMT */
  years: Array<{ year: number, pool: number, circulating: number, burned: number, budget: number, price: number, share: ByType }>
}

const byType = (): Record<AgentType, bigint> => Object.fromEntries(AGENT_TYPES.map(t => [t, 0n])) as Record<AgentType, bigint>
const toByType = (m: Record<AgentType, bigint>): ByType => Object.fromEntries(AGENT_TYPES.map(t => [t, toVmt(m[t])])) as ByType
/** Each type's share of everything the reward function paid, to 1e-4. */
function sharesOf (m: Record<AgentType, bigint>): ByType {
  const total = AGENT_TYPES.reduce((sum, t) => sum + m[t], 0n)
  return Object.fromEntries(AGENT_TYPES.map(t => [t, total === 0n ? 0 : Number(m[t] * 10_000n / total) / 10_000])) as ByType
}
const millions = (wei: bigint): number => Math.round(toVmt(wei / 1000n) / 10) / 100

/** Effort, booked to each submitter's type (fees are the reward function's: deducted from what a wallet is paid). */
function bookEffort (subs: readonly Submission[], cost: Record<AgentType, bigint>): void {
  for (const s of subs) cost[s.type] += toWei(s.effort)
}

/**
 * The settled set grows by every paid item forever and computeEpochRewards copies it each epoch, so a
 * ten-year run would be quadratic. Items the world can no longer produce and the window does not hold
 * (a self-confirmation follows its item by one epoch, inside the window) are never looked up again:
 * dropping them changes no result (tested).
 */
function pruneSettled (state: RewardsState, keep: (item: Hex) => boolean): RewardsState {
  return { ...state, settled: new Map([...state.settled].filter(([item]) => keep(item))) }
}

export function runEconomy (o: RunOptions): RunResult {
  const { eco, params } = o
  const rng = createRng(o.seed)
  const world = new World(rng.fork('world'), eco)
  const people = new Population(rng.fork('agents'), { ...eco, selfConfirm: eco.selfConfirm && params.confirmerMinStake === 0n })
  const scanRng = rng.fork('scan')
  const marketRng = rng.fork('market')
  const schedule = o.schedule ?? { kind: 'constant' }
  const W = params.payDelayEpochs
  // rule 0's deposit is the reward parameters' own (NetworkParameters rewardSubmissionDeposit)
  const deposit = params.submissionDeposit ?? 0n
  const deposits = new DepositBook(deposit, W)
  const reward = byType()
  const cost = byType()
  const ledger = newLedger(eco.supply)
  const weight = BigInt(eco.supply.weight)
  const submittedSmall = new Set<Hex>()
  const paidWallets = new Set<Hex>()
  const years: RunResult['years'] = []
  let window: RewardFacts[] = []
  let state: RewardsState = INITIAL_REWARDS_STATE
  let jobSerial = 0
  let marketIncome = 0n
  let yearBudget = 0n
  for (let epoch = 0; epoch < o.epochs + W; epoch++) {
    const year = epoch / eco.supply.epochsPerYear
    let subs: Submission[] = []
    if (epoch < o.epochs) {
      world.startEpoch()
      subs = people.submit(world)
    }
    const facts = subs.map(s => scanFacts(scanRng, eco.detection, s.sample, {
      jobId: bytes32(TAG.job, ++jobSerial), epoch, submitter: s.wallet, origin: s.origin, firstSeen: epoch * 10_000_000 + scanRng.int(10_000_000), members: people.members, ring: people.ring
    }))
    for (const s of subs) if (s.type === 'honest-small') submittedSmall.add(s.wallet)
    window = [...window.filter(f => f.epoch >= epoch - W), ...facts]
    const pruneEvery = o.pruneEvery ?? 8
    if (pruneEvery > 0 && epoch % pruneEvery === 0) {
      const inWindow = new Set(window.map(f => f.item))
      state = pruneSettled(state, item => world.isLive(item) || inWindow.has(item))
    }
    const budget = budgetAt(schedule, params.budget, epoch, ledger, eco.supply)
    deposits.lock(epoch, subs.map(s => s.wallet))
    const out = computeEpochRewards({ epoch, facts: window, state, params: { ...params, budget }, stakes: people.stakes, deposits: deposits.at(epoch - W) })
    state = out.state
    for (const [wallet, amount] of out.amounts) {
      const settled = out.deposits.get(wallet)
      const earned = amount - (settled === undefined ? 0n : settled.refunded + settled.withdrawn)
      reward[people.typeOf.get(wallet) as AgentType] += earned
      if (earned > 0n) paidWallets.add(wallet)
    }
    bookEffort(subs, cost)
    let forfeited = 0n
    // a deposit is locked from submission until its epoch is paid, W + 1 epochs
    const lockCost = toVmt(deposit) * (W + 1) * eco.stakeRatePerEpoch
    for (const [wallet, d] of out.deposits) {
      cost[people.typeOf.get(wallet) as AgentType] += d.forfeited + toWei(lockCost * d.backed)
      forfeited += d.forfeited
    }
    for (const [wallet, stake] of people.stakes) cost[people.typeOf.get(wallet) as AgentType] += toWei(Number(stake / 10n ** 12n) / 1e6 * eco.stakeRatePerEpoch)
    cost.member += toWei(eco.member.operatingCost) * BigInt(people.members.length)
    const market = marketEpoch(marketRng, eco.market, year)
    marketIncome += market.members
    ledger.pool += (market.pool + forfeited - out.paid) * weight
    ledger.paid += out.paid * weight
    ledger.refilled += (market.pool + forfeited) * weight
    ledger.burned += market.burned * weight
    yearBudget += budget * weight
    const view = supplyView(ledger, epoch + 1, eco.supply)
    o.onEpoch?.(out, budget, view)
    if ((epoch + 1) % eco.supply.epochsPerYear === 0) {
      years.push({ year: (epoch + 1) / eco.supply.epochsPerYear, pool: millions(view.pool), circulating: millions(view.circulating), burned: millions(view.burned), budget: millions(yearBudget), price: Math.round(market.price * 100) / 100, share: sharesOf(reward) })
      yearBudget = 0n
    }
  }
  const small = [...submittedSmall]
  return {
    reward: toByType(reward),
    marketIncome: toVmt(marketIncome),
    cost: toByType(cost),
    smallPaid: small.length === 0 ? 0 : small.filter(w => paidWallets.has(w)).length / small.length,
    years
  }
}
