/**
 * Rules 1 to 6 of one paid report (SPEC section 17), before the caps and the pool, and the members' share.
 * Pure; called in firstOrder so the family counts and the confirmers' allowances are spent the same way
 * on every member.
 */
import type { Hex } from '../messages.ts'
import { ZERO_ADDRESS } from '../messages.ts'
import { classEvidence, isConfirmed } from './classify.ts'
import type { ClassEvidence, RewardClass } from './classify.ts'
import type { RewardFacts } from './facts.ts'
import type { FamilyIndex } from './families.ts'
import { BPS } from './params.ts'
import type { RewardParams } from './params.ts'
import { scaleToCap } from './scale.ts'

export type ItemOutcome = 'paid' | 'unsigned' | 'no-deposit' | 'unconfirmed' | 'test' | 'settled' | 'not-first'

/** The rules of SPEC 17 that change a paid report's amount, in the order they apply. */
export type RewardRule = 'base' | 'suspicious' | 'listed' | 'confirmed' | 'duplicate' | 'precision' | 'family-cap' | 'wallet-cap' | 'pool'

/** One rule applied to a paid report: the amount after it (floored), and its factor as "numerator/denominator". */
export interface RewardStep {
  rule: RewardRule
  factor: string
  amount: bigint
}

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
  /** paid siblings of the family before this report, after decay: the amount was halved this many times */
  duplicateIndex: number
  /** the submitter's confirmed / submitted reports in the window */
  precision: [confirmed: number, submitted: number]
  /** the later report of the same subject whose confirmation this unconfirmed first report took (rule 1) */
  confirmedBy?: Hex
  /** after the multipliers and precision, before the caps */
  raw: bigint
  /** after the caps and the pool, before the submitter's fees */
  amount: bigint
  /** what the class was decided on (computeEpochRewards always sets it) */
  evidence?: ClassEvidence
  /** every rule that changed the amount of a paid report, in order; the last one's amount is `amount` (empty unless paid; computeEpochRewards always sets it) */
  steps?: RewardStep[]
}

export interface ScoreContext {
  params: RewardParams
  /** the window's reports of each item, in firstOrder */
  byItem: ReadonlyMap<Hex, readonly RewardFacts[]>
  classOf: ReadonlyMap<Hex, RewardClass>
  first: ReadonlyMap<Hex, RewardFacts>
  /** unconfirmed first reports -> the later report of the same subject whose class they took */
  confirmedBy: ReadonlyMap<Hex, RewardFacts>
  precision: ReadonlyMap<Hex, [number, number]>
  settled: ReadonlyMap<Hex, number>
  families: FamilyIndex
  confirmers: ConfirmerAllowance
  /** the signed reports whose wallets' deposits back them (rule 0) */
  backed: ReadonlySet<Hex>
}

/** Rule 4's costly confirmation: a wallet staking confirmerMinStake confirms stake / confirmerMinStake items an epoch. */
export class ConfirmerAllowance {
  readonly #stakes: ReadonlyMap<Hex, bigint>
  readonly #min: bigint
  readonly #used = new Map<Hex, bigint>()

  constructor (stakes: ReadonlyMap<Hex, bigint> | undefined, min: bigint) {
    this.#stakes = stakes ?? new Map()
    this.#min = min
  }

  /** Spends one confirmation of `wallet` when it has one left. */
  take (wallet: Hex): boolean {
    if (this.#min === 0n) return true
    const used = this.#used.get(wallet) ?? 0n
    if (used >= (this.#stakes.get(wallet) ?? 0n) / this.#min) return false
    this.#used.set(wallet, used + 1n)
    return true
  }
}

const half = (amount: bigint, k: number): bigint => k >= 256 ? 0n : amount >> BigInt(k)

/** Whether a report is the first, confirmed report of an item not yet settled: what members are paid for. */
export function isPaidItem (f: RewardFacts, ctx: Pick<ScoreContext, 'classOf' | 'first' | 'settled'>): boolean {
  return isConfirmed(ctx.classOf.get(f.jobId) as RewardClass) && !ctx.settled.has(f.item) && ctx.first.get(f.item) === f
}

export function scoreItem (f: RewardFacts, ctx: ScoreContext): ItemReward {
  const { params } = ctx
  const cls = ctx.classOf.get(f.jobId) as RewardClass
  const confirming = ctx.confirmedBy.get(f.jobId)
  // a first report that took a later confirmation is judged on that report's engines and labels, as its own
  const judged: RewardFacts = confirming === undefined ? f : { ...confirming, jobId: f.jobId, epoch: f.epoch, origin: f.origin, submitter: f.submitter, firstSeen: f.firstSeen }
  const item: ItemReward = {
    jobId: f.jobId, item: f.item, submitter: f.submitter, class: cls, outcome: 'paid', family: '', listed: false, confirmedLater: false,
    duplicateIndex: 0, precision: ctx.precision.get(f.submitter) ?? [0, 0], raw: 0n, amount: 0n, evidence: classEvidence(judged, params), steps: [],
    ...(confirming === undefined ? {} : { confirmedBy: confirming.jobId })
  }
  if (f.submitter === ZERO_ADDRESS) return { ...item, outcome: 'unsigned' }
  if (!ctx.backed.has(f.jobId)) return { ...item, outcome: 'no-deposit' }
  if (cls === 'test') return { ...item, outcome: 'test' }
  if (!isConfirmed(cls)) return { ...item, outcome: 'unconfirmed' }
  if (ctx.settled.has(f.item)) return { ...item, outcome: 'settled' }
  if (ctx.first.get(f.item) !== f) return { ...item, outcome: 'not-first' }

  const steps: RewardStep[] = []
  item.steps = steps
  let a = params.baseReward
  steps.push({ rule: 'base', factor: '1/1', amount: a })
  const apply = (rule: RewardRule, num: bigint, den: bigint): void => {
    a = a * num / den
    steps.push({ rule, factor: `${num}/${den}`, amount: a })
  }
  if (cls === 'suspicious') apply('suspicious', params.suspiciousBps, BPS)
  item.listed = judged.maliciousEngines.some(e => params.publicListEngines.includes(e))
  if (item.listed) apply('listed', params.publicListBps, BPS)
  item.confirmedLater = (ctx.byItem.get(f.item) ?? []).some(o => o.epoch > f.epoch && ctx.classOf.get(o.jobId) === 'malicious' &&
    o.submitter !== ZERO_ADDRESS && o.submitter !== f.submitter && o.origin !== f.origin && ctx.confirmers.take(o.submitter))
  if (item.confirmedLater) apply('confirmed', params.confirmationBps, BPS)
  const family = ctx.families.assign(judged)
  item.family = family.key
  item.duplicateIndex = family.index
  if (family.index > 0) {
    a = half(a, family.index)
    steps.push({ rule: 'duplicate', factor: family.index >= 256 ? '0/1' : `1/${1n << BigInt(family.index)}`, amount: a })
  }
  const [confirmed, submitted] = item.precision
  if (confirmed !== submitted) apply('precision', BigInt(confirmed), BigInt(submitted))
  item.raw = a
  return item
}

/**
 * Members' share: reveals that agree with a paid item (in `detected` when it is malicious, in `flagged`
 * when suspicious), scaled into the members' pool. Benign files, test signatures, repeats and settled
 * items pay no member, so nobody is paid for scanning spam.
 */
export function memberRewards (paidItems: readonly RewardFacts[], classOf: ReadonlyMap<Hex, RewardClass>, params: RewardParams, pool: bigint): Map<Hex, bigint> {
  const reveals = new Map<Hex, bigint>()
  for (const f of paidItems) {
    const agreeing = classOf.get(f.jobId) === 'malicious' ? f.detected : f.flagged
    for (const m of f.revealed) {
      if (agreeing.includes(m)) reveals.set(m, (reveals.get(m) ?? 0n) + 1n)
    }
  }
  const order = [...reveals.keys()].toSorted()
  const scaled = scaleToCap(order.map(m => (reveals.get(m) as bigint) * params.memberRewardPerReveal), pool)
  return new Map(order.map((m, i) => [m, scaled[i] as bigint]).filter(([, a]) => (a as bigint) > 0n) as Array<[Hex, bigint]>)
}
