/**
 * The reward function (SPEC section 17): epoch E pays the reports anchored in E - W from those reports,
 * the later evidence of epochs E-W+1..E and the state E-1 left. Pure, integer wei, every division floors.
 */
import type { Hex } from '../messages.ts'
import { ZERO_ADDRESS } from '../messages.ts'
import { classify, familyOf, firstOrder, isConfirmed } from './classify.ts'
import type { RewardClass } from './classify.ts'
import { RewardsError } from './errors.ts'
import { checkFacts } from './facts.ts'
import type { RewardFacts } from './facts.ts'
import { BPS, checkParams } from './params.ts'
import type { RewardParams } from './params.ts'
import { capGroups, scaleToCap } from './scale.ts'
import type { RewardsState } from './state.ts'

export type ItemOutcome = 'paid' | 'unsigned' | 'unconfirmed' | 'test' | 'settled' | 'not-first'

/** Why a paid-epoch report earned what it earned (`virusmap rewards explain`). */
export interface ItemReward {
  jobId: Hex
  item: Hex
  submitter: Hex
  class: RewardClass
  outcome: ItemOutcome
  family: string
  listed: boolean
  confirmedLater: boolean
  /** paid siblings of the family before this report: the amount was halved this many times */
  duplicateIndex: number
  /** the submitter's confirmed / submitted reports in the window */
  precision: [confirmed: number, submitted: number]
  /** after the multipliers and precision, before the caps */
  raw: bigint
  amount: bigint
}

export interface EpochRewardsInput {
  epoch: number
  /** the facts of the reports anchored in epochs E-W..E (others are refused) */
  facts: readonly RewardFacts[]
  state: RewardsState
  params: RewardParams
  /** wallet -> stake at the epoch's end block (absent: 0) */
  stakes?: ReadonlyMap<Hex, bigint>
}

export interface EpochRewards {
  epoch: number
  /** the epoch whose reports were paid; undefined while E < W */
  paidEpoch: number | undefined
  items: ItemReward[]
  /** member -> wei for agreeing reveals this epoch */
  members: Map<Hex, bigint>
  /** address -> wei paid this epoch (submitters and members) */
  amounts: Map<Hex, bigint>
  /** what this epoch pays in all, never above the budget */
  paid: bigint
  state: RewardsState
}

const half = (amount: bigint, k: number): bigint => k >= 256 ? 0n : amount >> BigInt(k)

function addTo (map: Map<Hex, bigint>, key: Hex, amount: bigint): void {
  if (amount > 0n) map.set(key, (map.get(key) ?? 0n) + amount)
}

function checkInput (input: EpochRewardsInput): number | undefined {
  const { epoch, state, params } = input
  checkParams(params)
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RewardsError('BAD_EPOCH', 'epoch must be a non-negative integer')
  if (state.epoch >= epoch || (state.epoch >= 0 && state.epoch !== epoch - 1)) throw new RewardsError('BAD_EPOCH', `state is of epoch ${state.epoch}, not ${epoch - 1}`)
  if (!Array.isArray(input.facts)) throw new RewardsError('BAD_FACTS', 'facts must be an array')
  const paidEpoch = epoch >= params.payDelayEpochs ? epoch - params.payDelayEpochs : undefined
  const seen = new Set<string>()
  for (const f of input.facts) {
    checkFacts(f)
    if (f.epoch > epoch || f.epoch < epoch - params.payDelayEpochs) throw new RewardsError('BAD_FACTS', `job ${f.jobId} is of epoch ${f.epoch}, outside ${epoch - params.payDelayEpochs}..${epoch}`)
    if (seen.has(f.jobId)) throw new RewardsError('BAD_FACTS', `job ${f.jobId} appears twice`)
    seen.add(f.jobId)
  }
  return paidEpoch
}

/** Epoch E's rewards and the state E+1 starts from. Throws RewardsError on malformed input. */
export function computeEpochRewards (input: EpochRewardsInput): EpochRewards {
  const paidEpoch = checkInput(input)
  const { epoch, state, params } = input
  const cumulative = new Map(state.cumulative)
  const settled = new Set(state.settled)
  const families = new Map(state.families)
  if (paidEpoch === undefined) {
    return { epoch, paidEpoch, items: [], members: new Map(), amounts: new Map(), paid: 0n, state: { epoch, cumulative, settled, families } }
  }
  const window = [...input.facts].toSorted(firstOrder)
  const classOf = new Map(window.map(f => [f.jobId, classify(f, params)]))
  const first = new Map<Hex, RewardFacts>()
  const precision = new Map<Hex, [number, number]>()
  for (const f of window) {
    if (!first.has(f.item)) first.set(f.item, f)
    const [c, s] = precision.get(f.submitter) ?? [0, 0]
    precision.set(f.submitter, [c + (isConfirmed(classOf.get(f.jobId) as RewardClass) ? 1 : 0), s + 1])
  }
  const paidFacts = window.filter(f => f.epoch === paidEpoch)
  const items = paidFacts.map(f => scoreItem(f, { params, window, classOf, first, precision, settled, families }))

  const amounts = items.map(i => i.raw)
  capGroups(amounts, i => (items[i] as ItemReward).family, () => params.familyCap)
  capGroups(amounts, i => (items[i] as ItemReward).submitter, w => params.walletCapBase + (input.stakes?.get(w as Hex) ?? 0n) * params.walletCapStakeBps / BPS)
  const submitterPool = params.budget * params.submitterShareBps / BPS
  scaleToCap(amounts, submitterPool).forEach((a, i) => { (items[i] as ItemReward).amount = a })

  const members = memberRewards(paidFacts, classOf, params, params.budget - submitterPool)
  const epochAmounts = new Map<Hex, bigint>()
  for (const i of items) addTo(epochAmounts, i.submitter, i.amount)
  for (const [m, a] of members) addTo(epochAmounts, m, a)
  for (const [a, v] of epochAmounts) addTo(cumulative, a, v)
  // an item is settled once its first report is paid; a first report anchored later keeps it open until then
  for (const f of paidFacts) if (first.get(f.item) === f) settled.add(f.item)
  const paid = [...epochAmounts.values()].reduce((s, a) => s + a, 0n)
  return { epoch, paidEpoch, items, members, amounts: epochAmounts, paid, state: { epoch, cumulative, settled, families } }
}

interface ScoreContext {
  params: RewardParams
  window: RewardFacts[]
  classOf: Map<Hex, RewardClass>
  first: Map<Hex, RewardFacts>
  precision: Map<Hex, [number, number]>
  settled: ReadonlySet<Hex>
  /** updated as reports pass rule 1, in firstOrder */
  families: Map<string, number>
}

/** Rules 1 to 6 of one paid report; the caps and the pool come after, over all of them. */
function scoreItem (f: RewardFacts, ctx: ScoreContext): ItemReward {
  const { params } = ctx
  const cls = ctx.classOf.get(f.jobId) as RewardClass
  const family = familyOf(f)
  const item: ItemReward = {
    jobId: f.jobId, item: f.item, submitter: f.submitter, class: cls, outcome: 'paid', family, listed: false, confirmedLater: false,
    duplicateIndex: 0, precision: ctx.precision.get(f.submitter) ?? [0, 0], raw: 0n, amount: 0n
  }
  if (f.submitter === ZERO_ADDRESS) return { ...item, outcome: 'unsigned' }
  if (cls === 'test') return { ...item, outcome: 'test' }
  if (!isConfirmed(cls)) return { ...item, outcome: 'unconfirmed' }
  if (ctx.settled.has(f.item)) return { ...item, outcome: 'settled' }
  if (ctx.first.get(f.item) !== f) return { ...item, outcome: 'not-first' }

  let a = cls === 'suspicious' ? params.baseReward * params.suspiciousBps / BPS : params.baseReward
  item.listed = f.maliciousEngines.some(e => params.publicListEngines.includes(e))
  if (item.listed) a = a * params.publicListBps / BPS
  item.confirmedLater = ctx.window.some(o => o.epoch > f.epoch && o.item === f.item && ctx.classOf.get(o.jobId) === 'malicious' &&
    o.submitter !== ZERO_ADDRESS && o.submitter !== f.submitter && o.origin !== f.origin)
  if (item.confirmedLater) a = a * params.confirmationBps / BPS
  item.duplicateIndex = ctx.families.get(family) ?? 0
  ctx.families.set(family, item.duplicateIndex + 1)
  a = half(a, item.duplicateIndex)
  const [confirmed, submitted] = item.precision
  item.raw = a * BigInt(confirmed) / BigInt(submitted)
  return item
}

/** Members' share: agreeing reveals of the paid epoch's reports, scaled into the members' pool. */
function memberRewards (paidFacts: readonly RewardFacts[], classOf: Map<Hex, RewardClass>, params: RewardParams, pool: bigint): Map<Hex, bigint> {
  const reveals = new Map<Hex, bigint>()
  for (const f of paidFacts) {
    const cls = classOf.get(f.jobId)
    const maliciousFinal = cls === 'malicious' || cls === 'test'
    for (const m of f.revealed) {
      if (f.detected.includes(m) === maliciousFinal) reveals.set(m, (reveals.get(m) ?? 0n) + 1n)
    }
  }
  const order = [...reveals.keys()].toSorted()
  const scaled = scaleToCap(order.map(m => (reveals.get(m) as bigint) * params.memberRewardPerReveal), pool)
  return new Map(order.map((m, i) => [m, scaled[i] as bigint]).filter(([, a]) => (a as bigint) > 0n) as Array<[Hex, bigint]>)
}
