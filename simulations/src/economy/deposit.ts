/**
 * The submission deposit (issue 18): a contract locks `amount` VMT from the submitting wallet per signed
 * report and settles it when the report's epoch is paid. Unlike the reward function's fee, which is
 * deducted from what a wallet earns and so never reaches a fresh wallet that earns nothing, the deposit is
 * paid up front: it costs the same per report on one wallet or on a thousand. It is not part of the reward
 * function (protocol/src/rewards): the simulation settles it from the function's per-report output.
 *
 * - `confirmed`: returned when the quorum confirmed the item (malicious or suspicious), else forfeited;
 * - `shortfall`: the report keeps its deposit up to what it earned: max(0, amount - earned) is forfeited,
 *   so a report paid at least the deposit gets all of it back and one paid nothing loses all of it.
 *
 * A staked wallet's first floor(stake / stakePerFreeReport) reports of an epoch need no deposit.
 * Forfeited deposits go to the rewards pool.
 */
import type { Hex } from '#protocol/messages.ts'
import { isConfirmed } from '#protocol/rewards/index.ts'
import type { ItemReward } from '#protocol/rewards/index.ts'
import { toWei } from './market.ts'

export interface DepositParams {
  /** VMT locked per signed report (0: no deposit) */
  amount: number
  refund: 'confirmed' | 'shortfall'
  /** VMT of stake per deposit-free report per epoch (0: every report pays the deposit) */
  stakePerFreeReport: number
}

export const NO_DEPOSIT: DepositParams = Object.freeze({ amount: 0, refund: 'shortfall', stakePerFreeReport: 0 })

export interface DepositSettlement {
  /** wallet -> wei forfeited */
  lost: Map<Hex, bigint>
  /** wallet -> reports that locked a deposit (its opportunity cost is the submitter's) */
  held: Map<Hex, number>
}

/** The deposits of the paid epoch's reports (`items` in the reward function's order); unsigned reports lock none. */
export function settleDeposits (items: readonly ItemReward[], stakes: ReadonlyMap<Hex, bigint>, p: DepositParams): DepositSettlement {
  const lost = new Map<Hex, bigint>()
  const held = new Map<Hex, number>()
  if (p.amount <= 0) return { lost, held }
  const deposit = toWei(p.amount)
  const perFree = toWei(p.stakePerFreeReport)
  const used = new Map<Hex, bigint>()
  for (const i of items) {
    if (i.outcome === 'unsigned') continue
    if (perFree > 0n) {
      const n = used.get(i.submitter) ?? 0n
      used.set(i.submitter, n + 1n)
      if (n < (stakes.get(i.submitter) ?? 0n) / perFree) continue
    }
    held.set(i.submitter, (held.get(i.submitter) ?? 0) + 1)
    const forfeit = p.refund === 'confirmed'
      ? (isConfirmed(i.class) ? 0n : deposit)
      : (i.amount >= deposit ? 0n : deposit - i.amount)
    if (forfeit > 0n) lost.set(i.submitter, (lost.get(i.submitter) ?? 0n) + forfeit)
  }
  return { lost, held }
}
