/** Integer scaling to a cap, flooring each share (SPEC section 17: what the floors leave stays in the pool). */

/** Each amount becomes amount * cap / sum (floored) when the amounts sum above `cap`; otherwise unchanged. */
export function scaleToCap (amounts: readonly bigint[], cap: bigint): bigint[] {
  const sum = amounts.reduce((s, a) => s + a, 0n)
  if (sum <= cap) return [...amounts]
  return amounts.map(a => a * cap / sum)
}

/** A group's cap and the sum it scaled down from. */
export interface Capped { cap: bigint, sum: bigint }

/** Applies scaleToCap per group (a family, a wallet) of the indexed amounts, in place; returns the scaled indices' caps. */
export function capGroups (amounts: bigint[], groupOf: (index: number) => string, capOf: (group: string) => bigint): Map<number, Capped> {
  const groups = new Map<string, number[]>()
  amounts.forEach((_, i) => { const g = groupOf(i); groups.set(g, [...(groups.get(g) ?? []), i]) })
  const capped = new Map<number, Capped>()
  for (const [group, indices] of groups) {
    const cap = capOf(group)
    const sum = indices.reduce((s, i) => s + (amounts[i] as bigint), 0n)
    const scaled = scaleToCap(indices.map(i => amounts[i] as bigint), cap)
    indices.forEach((i, j) => {
      amounts[i] = scaled[j] as bigint
      if (sum > cap) capped.set(i, { cap, sum })
    })
  }
  return capped
}
