/**
 * Rule 0 of SPEC section 17, the submission deposit: a signed report of the paid epoch earns only if its
 * wallet's deposits in SubmissionDeposits cover one more `submissionDeposit`. Each backed report uses one
 * deposit until its epoch is paid; then the report gets min(deposit, what it earned) back through the
 * rewards tree and the rest is forfeited to the pool (simulations/: the 'shortfall' refund). Unlike the
 * fee, which is deducted from what a wallet earns and so never reaches a fresh wallet that earns nothing,
 * the deposit is paid up front: it costs the same per report on one wallet or on a thousand.
 * A withdrawal request is paid back out of what the wallet's reports have not used.
 */
import type { Hex } from '../messages.ts'
import { RewardsError } from './errors.ts'
import { isSigned } from './facts.ts'
import type { RewardFacts } from './facts.ts'
import type { ItemReward } from './score.ts'
import type { DepositLedger } from './state.ts'

/** A wallet's SubmissionDeposits totals (cumulative wei) at the paid epoch's end block. */
export interface DepositTotals {
  deposited: bigint
  withdrawalsRequested: bigint
}

/** One wallet's deposits in the paid epoch. */
export interface DepositSettlement {
  /** signed reports the deposits backed */
  backed: number
  /** signed reports they did not back: these earned nothing */
  unbacked: number
  /** deposits of backed reports paid back */
  refunded: bigint
  /** deposits of backed reports kept by the pool */
  forfeited: bigint
  /** withdrawal requests paid back */
  withdrawn: bigint
}

const ADDRESS = /^0x[0-9a-f]{40}$/

/** Totals read from the chain or a file are held to their shape; throws BAD_DEPOSITS. */
export function checkDepositTotals (totals: ReadonlyMap<Hex, DepositTotals> | undefined): void {
  if (totals === undefined) return
  if (!(totals instanceof Map)) throw new RewardsError('BAD_DEPOSITS', 'deposits must be a Map of wallet -> totals')
  for (const [w, t] of totals) {
    const ok = ADDRESS.test(String(w)) && typeof t === 'object' && t !== null && typeof t.deposited === 'bigint' && typeof t.withdrawalsRequested === 'bigint' &&
      t.withdrawalsRequested >= 0n && t.deposited >= t.withdrawalsRequested
    if (!ok) throw new RewardsError('BAD_DEPOSITS', `malformed deposit totals for ${String(w).slice(0, 64)}`)
  }
}

const NO_LEDGER: DepositLedger = Object.freeze({ used: 0n, returned: 0n })
const NO_TOTALS: DepositTotals = Object.freeze({ deposited: 0n, withdrawalsRequested: 0n })

/**
 * The paid epoch's reports the deposits back, in the order given (the reward function's firstOrder): a
 * wallet backs floor((deposited - withdrawalsRequested - used) / deposit) of its signed reports. With a
 * zero deposit every signed report is backed.
 */
export function backedReports (paidFacts: readonly RewardFacts[], totals: ReadonlyMap<Hex, DepositTotals> | undefined, ledger: ReadonlyMap<Hex, DepositLedger>, deposit: bigint): Set<Hex> {
  const backed = new Set<Hex>()
  const left = new Map<Hex, bigint>()
  for (const f of paidFacts) {
    if (!isSigned(f)) continue
    if (deposit === 0n) {
      backed.add(f.jobId)
      continue
    }
    let free = left.get(f.submitter)
    if (free === undefined) {
      const t = totals?.get(f.submitter) ?? NO_TOTALS
      free = t.deposited - t.withdrawalsRequested - (ledger.get(f.submitter) ?? NO_LEDGER).used
    }
    if (free >= deposit) {
      backed.add(f.jobId)
      free -= deposit
    }
    left.set(f.submitter, free)
  }
  return backed
}

const settlementOf = (m: Map<Hex, DepositSettlement>, w: Hex): DepositSettlement => {
  let s = m.get(w)
  if (s === undefined) {
    s = { backed: 0, unbacked: 0, refunded: 0n, forfeited: 0n, withdrawn: 0n }
    m.set(w, s)
  }
  return s
}

/**
 * Settles the paid epoch's deposits from its scored items (`amount` after the caps): each backed report
 * gets min(deposit, amount) back, then each wallet's pending withdrawal request is paid out of what is
 * left. Returns the new ledger and each wallet's settlement; the caller adds refunded + withdrawn to the
 * wallet's rewards-tree amount.
 */
export function settleDeposits (items: readonly ItemReward[], backed: ReadonlySet<Hex>, totals: ReadonlyMap<Hex, DepositTotals> | undefined, ledger: ReadonlyMap<Hex, DepositLedger>, deposit: bigint): { ledger: Map<Hex, DepositLedger>, settled: Map<Hex, DepositSettlement> } {
  const next = new Map(ledger)
  const settled = new Map<Hex, DepositSettlement>()
  for (const i of items) {
    if (i.outcome === 'unsigned' || deposit === 0n) continue
    const s = settlementOf(settled, i.submitter)
    if (!backed.has(i.jobId)) {
      s.unbacked++
      continue
    }
    s.backed++
    const refund = i.amount < deposit ? i.amount : deposit
    s.refunded += refund
    s.forfeited += deposit - refund
    const l = next.get(i.submitter) ?? NO_LEDGER
    next.set(i.submitter, { used: l.used + deposit, returned: l.returned })
  }
  for (const [w, t] of [...(totals ?? new Map<Hex, DepositTotals>())].toSorted(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    const l = next.get(w) ?? NO_LEDGER
    const pending = t.withdrawalsRequested - l.returned
    const balance = t.deposited - l.used - l.returned
    const pay = pending < balance ? pending : balance
    if (pay <= 0n) continue
    next.set(w, { used: l.used, returned: l.returned + pay })
    settlementOf(settled, w).withdrawn += pay
  }
  return { ledger: next, settled }
}
