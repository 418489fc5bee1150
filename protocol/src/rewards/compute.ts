/**
 * The reward function (SPEC section 17): epoch E pays the reports anchored in E - W from those reports,
 * the later evidence of epochs E-W+1..E and the state E-1 left. Pure, integer wei, every division floors.
 */
import type { Hex } from '../messages.ts'
import { classify, firstOrder, isConfirmed } from './classify.ts'
import type { RewardClass } from './classify.ts'
import { RewardsError } from './errors.ts'
import { backedReports, checkDepositTotals, settleDeposits } from './deposits.ts'
import type { DepositSettlement, DepositTotals } from './deposits.ts'
import { checkFacts } from './facts.ts'
import type { RewardFacts } from './facts.ts'
import { FamilyIndex } from './families.ts'
import { chargeFees } from './fees.ts'
import { isOneSubjectKind } from './item.ts'
import { BPS, checkParams } from './params.ts'
import type { RewardParams } from './params.ts'
import { capGroups } from './scale.ts'
import type { Capped } from './scale.ts'
import { ConfirmerAllowance, isPaidItem, memberRewards, scoreItem } from './score.ts'
import type { ItemReward, RewardRule } from './score.ts'
import type { RewardsState } from './state.ts'

export type { ItemOutcome, ItemReward, RewardRule, RewardStep } from './score.ts'

export interface EpochRewardsInput {
  epoch: number
  /** the facts of the reports anchored in epochs E-W..E (others are refused) */
  facts: readonly RewardFacts[]
  state: RewardsState
  params: RewardParams
  /** wallet -> stake at the epoch's end block (absent: 0) */
  stakes?: ReadonlyMap<Hex, bigint>
  /**
   * wallet -> its SubmissionDeposits totals at the PAID epoch's end block (absent: none), for every wallet
   * that had deposited by then: read later, a wallet could deposit only for reports it saw earn
   */
  deposits?: ReadonlyMap<Hex, DepositTotals>
}

export interface EpochRewards {
  epoch: number
  /** the epoch whose reports were paid; undefined while E < W */
  paidEpoch: number | undefined
  items: ItemReward[]
  /** member -> wei for agreeing reveals this epoch */
  members: Map<Hex, bigint>
  /** address -> wei paid this epoch (submitters and members, after fees, plus deposits paid back) */
  amounts: Map<Hex, bigint>
  /** wallet -> its deposits settled this epoch (rule 0): refunds and withdrawals are in `amounts` */
  deposits: Map<Hex, DepositSettlement>
  /** wallet -> fees (and earlier debts) deducted from what it earned this epoch; they stay in the pool */
  charged: Map<Hex, bigint>
  /** what this epoch pays in rewards, never above the budget (deposits paid back are not rewards) */
  paid: bigint
  state: RewardsState
}

function addTo (map: Map<Hex, bigint>, key: Hex, amount: bigint): void {
  if (amount > 0n) map.set(key, (map.get(key) ?? 0n) + amount)
}

function checkInput (input: EpochRewardsInput): number | undefined {
  const { epoch, state, params } = input
  checkParams(params)
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RewardsError('BAD_EPOCH', 'epoch must be a non-negative integer')
  if (state.epoch >= epoch || (state.epoch >= 0 && state.epoch !== epoch - 1)) throw new RewardsError('BAD_EPOCH', `state is of epoch ${state.epoch}, not ${epoch - 1}`)
  if (!Array.isArray(input.facts)) throw new RewardsError('BAD_FACTS', 'facts must be an array')
  checkDepositTotals(input.deposits)
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

/** Settled items still remembered at paid epoch `at`. */
function retained (settled: ReadonlyMap<Hex, number>, at: number, params: RewardParams): Map<Hex, number> {
  const keep = params.settledRetentionEpochs
  return keep === 0 ? new Map(settled) : new Map([...settled].filter(([, e]) => at - e < keep))
}

/**
 * Rule 1's first report of each item: the first (firstOrder) of its reports the quorum confirmed or named a
 * test signature; when that one is confirmed and an earlier report of the same subject went unconfirmed (engines
 * timed out on a loaded network), the earliest of those is first and takes the confirming report's class
 * (`classOf` is updated in place). A URL or a domain item holds many subjects, so an unconfirmed page never
 * claims another page's confirmation. Items without such a report have no first report.
 */
function firstReports (byItem: ReadonlyMap<Hex, readonly RewardFacts[]>, classOf: Map<Hex, RewardClass>): { first: Map<Hex, RewardFacts>, confirmedBy: Map<Hex, RewardFacts> } {
  const first = new Map<Hex, RewardFacts>()
  const confirmedBy = new Map<Hex, RewardFacts>()
  for (const [item, reports] of byItem) {
    const decided = reports.find(f => classOf.get(f.jobId) !== 'none')
    if (decided === undefined) continue
    const cls = classOf.get(decided.jobId) as RewardClass
    const earliest = isConfirmed(cls) && isOneSubjectKind(decided.kind) ? reports.find(f => f.kind === decided.kind) as RewardFacts : decided
    if (earliest !== decided) {
      classOf.set(earliest.jobId, cls)
      confirmedBy.set(earliest.jobId, decided)
    }
    first.set(item, earliest)
  }
  return { first, confirmedBy }
}

/** Epoch E's rewards and the state E+1 starts from. Throws RewardsError on malformed input. */
export function computeEpochRewards (input: EpochRewardsInput): EpochRewards {
  const paidEpoch = checkInput(input)
  const { epoch, state, params } = input
  const cumulative = new Map(state.cumulative)
  const debts = new Map(state.debts ?? [])
  const ledger = state.deposits ?? new Map()
  if (paidEpoch === undefined) {
    const next = { epoch, cumulative, settled: new Map(state.settled), families: new Map(state.families), debts, deposits: new Map(ledger) }
    return { epoch, paidEpoch, items: [], members: new Map(), amounts: new Map(), deposits: new Map(), charged: new Map(), paid: 0n, state: next }
  }
  const settled = retained(state.settled, paidEpoch, params)
  const window = [...input.facts].toSorted(firstOrder)
  const classOf = new Map(window.map(f => [f.jobId, classify(f, params)]))
  const byItem = new Map<Hex, RewardFacts[]>()
  for (const f of window) {
    const reports = byItem.get(f.item)
    if (reports === undefined) byItem.set(f.item, [f])
    else reports.push(f)
  }
  const { first, confirmedBy } = firstReports(byItem, classOf)
  const precision = new Map<Hex, [number, number]>()
  for (const f of window) {
    const [c, s] = precision.get(f.submitter) ?? [0, 0]
    precision.set(f.submitter, [c + (isConfirmed(classOf.get(f.jobId) as RewardClass) ? 1 : 0), s + 1])
  }
  const paidFacts = window.filter(f => f.epoch === paidEpoch)
  const deposit = params.submissionDeposit ?? 0n
  const backed = backedReports(paidFacts, input.deposits, ledger, deposit)
  const families = new FamilyIndex(state.families, params, paidEpoch)
  const ctx = { params, byItem, classOf, first, confirmedBy, precision, settled, families, confirmers: new ConfirmerAllowance(input.stakes, params.confirmerMinStake), backed }
  const items = paidFacts.map(f => scoreItem(f, ctx))

  const amounts = items.map(i => i.raw)
  const step = (rule: RewardRule, capped: ReadonlyMap<number, Capped>): void => {
    for (const [i, { cap, sum }] of capped) if (items[i]?.outcome === 'paid') items[i].steps?.push({ rule, factor: `${cap}/${sum}`, amount: amounts[i] as bigint })
  }
  step('family-cap', capGroups(amounts, i => (items[i] as ItemReward).family, () => params.familyCap))
  step('wallet-cap', capGroups(amounts, i => (items[i] as ItemReward).submitter, w => params.walletCapBase + (input.stakes?.get(w as Hex) ?? 0n) * params.walletCapStakeBps / BPS))
  const submitterPool = params.budget * params.submitterShareBps / BPS
  step('pool', capGroups(amounts, () => 'pool', () => submitterPool))
  amounts.forEach((a, i) => { (items[i] as ItemReward).amount = a })

  const members = memberRewards(paidFacts.filter(f => isPaidItem(f, ctx)), classOf, params, params.budget - submitterPool)
  const epochAmounts = new Map<Hex, bigint>()
  for (const i of items) addTo(epochAmounts, i.submitter, i.amount)
  for (const [m, a] of members) addTo(epochAmounts, m, a)
  const charged = chargeFees(epochAmounts, paidFacts, debts, params)
  const paid = [...epochAmounts.values()].reduce((s, a) => s + a, 0n)
  const deposits = settleDeposits(items, backed, input.deposits, ledger, deposit)
  for (const [w, d] of deposits.settled) addTo(epochAmounts, w, d.refunded + d.withdrawn)
  for (const [a, v] of epochAmounts) addTo(cumulative, a, v)
  // an item is settled once its first report is paid; a first report anchored later keeps it open until then,
  // and an item no report of the window confirmed (or named a test signature) has no first report: it stays open
  for (const f of paidFacts) if (first.get(f.item) === f) settled.set(f.item, paidEpoch)
  return {
    epoch, paidEpoch, items, members, amounts: epochAmounts, deposits: deposits.settled, charged, paid,
    state: { epoch, cumulative, settled, families: families.entries(), debts, deposits: deposits.ledger }
  }
}
