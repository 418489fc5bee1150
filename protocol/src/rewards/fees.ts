/**
 * The submission fee (SPEC section 17): each signed report of the paid epoch beyond a wallet's free quota
 * costs `submissionFee`, deducted from what the wallet earns that epoch; what its rewards do not cover is
 * a debt deducted from its later rewards. What is deducted is never paid out: it stays in the pool.
 */
import type { Hex } from '../messages.ts'
import { isSigned } from './facts.ts'
import type { RewardFacts } from './facts.ts'
import type { RewardParams } from './params.ts'

/** Deducts fees and debts from `amounts` and updates `debts`, both in place; returns what each wallet was charged. */
export function chargeFees (amounts: Map<Hex, bigint>, paidFacts: readonly RewardFacts[], debts: Map<Hex, bigint>, params: RewardParams): Map<Hex, bigint> {
  const counts = new Map<Hex, number>()
  for (const f of paidFacts) if (isSigned(f)) counts.set(f.submitter, (counts.get(f.submitter) ?? 0) + 1)
  const charged = new Map<Hex, bigint>()
  const wallets = [...new Set([...counts.keys(), ...debts.keys()])].toSorted()
  for (const w of wallets) {
    const over = Math.max(0, (counts.get(w) ?? 0) - params.freeSubmissionsPerEpoch)
    const owed = (debts.get(w) ?? 0n) + BigInt(over) * params.submissionFee
    if (owed === 0n) continue
    const earned = amounts.get(w) ?? 0n
    const take = owed < earned ? owed : earned
    if (take > 0n) {
      charged.set(w, take)
      if (earned === take) amounts.delete(w)
      else amounts.set(w, earned - take)
    }
    if (owed > take) debts.set(w, owed - take)
    else debts.delete(w)
  }
  return charged
}
