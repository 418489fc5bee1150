/**
 * The fixed VMT supply over the years at network scale (each simulated agent stands for `weight` real
 * ones): the rewards pool pays the epoch's rewards (submission fees are deducted from them, so they stay in
 * the pool) and receives the market's discoverer share; the market's burn goes to the dead address; contributors vest linearly; the treasury stays locked.
 */
import type { EconomyParams } from './params.ts'
import { toWei } from './market.ts'

export type BudgetSchedule =
  | { kind: 'constant' }
  /** the budget halves every `years` */
  | { kind: 'halving', years: number }
  /** each year pays `perYear` of what the pool holds at that epoch */
  | { kind: 'pool-fraction', perYear: number }

export interface SupplyLedger {
  pool: bigint
  burned: bigint
  /** rewards paid out of the pool so far */
  paid: bigint
  /** market discoverer shares and forfeited submission deposits that went back into the pool */
  refilled: bigint
}

export const newLedger = (s: EconomyParams['supply']): SupplyLedger => ({ pool: toWei(s.pool), burned: 0n, paid: 0n, refilled: 0n })

/** The simulated (per-agent-scale) budget of an epoch, never more than the pool can pay. */
export function budgetAt (schedule: BudgetSchedule, base: bigint, epoch: number, ledger: SupplyLedger, s: EconomyParams['supply']): bigint {
  const year = Math.floor(epoch / s.epochsPerYear)
  const weight = BigInt(s.weight)
  const scheduled = schedule.kind === 'constant'
    ? base
    : schedule.kind === 'halving'
      ? base >> BigInt(Math.floor(year / schedule.years))
      : ledger.pool * BigInt(Math.round(schedule.perYear * 1e6)) / 1_000_000n / BigInt(s.epochsPerYear) / weight
  const affordable = ledger.pool / weight
  return scheduled < affordable ? scheduled : affordable
}

export interface SupplyView { pool: bigint, circulating: bigint, burned: bigint, locked: bigint }

/** Where every token is at `epoch`: pool + circulating + burned + locked is the supply, exactly. */
export function supplyView (ledger: SupplyLedger, epoch: number, s: EconomyParams['supply']): SupplyView {
  const vestEpochs = BigInt(s.vestingYears * s.epochsPerYear)
  const contributors = toWei(s.contributors)
  const vested = BigInt(epoch) >= vestEpochs ? contributors : contributors * BigInt(epoch) / vestEpochs
  const total = toWei(s.total)
  const locked = total - toWei(s.pool) - contributors + (contributors - vested)
  // vendors buy with circulating VMT: what goes back to the pool or is burned leaves circulation
  const circulating = vested + ledger.paid - ledger.refilled - ledger.burned
  return { pool: ledger.pool, circulating, burned: ledger.burned, locked }
}
