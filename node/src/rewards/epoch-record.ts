/**
 * An epoch's computed rewards as this member stores and serves them (SPEC 17): the tree's leaves and
 * root, the epoch's amounts and the per-item breakdown, amounts as decimal wei.
 */
import { rewardsLeaves, rewardsRootOf, rewardsTree } from '#protocol/rewards/index.ts'
import type { EpochRewards, RewardsTree } from '#protocol/rewards/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { StoredEpochRewards } from '../db/rewards-repository.ts'

const decimals = (m: ReadonlyMap<Hex, bigint>): Record<string, string> =>
  Object.fromEntries([...m.entries()].toSorted(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([k, v]) => [k, v.toString()]))

export function epochRecordOf (result: EpochRewards, facts: { reports: number, budget: bigint }): StoredEpochRewards {
  const root = rewardsRootOf(result.epoch, result.state.cumulative)
  return {
    epoch: result.epoch,
    ...(result.paidEpoch === undefined ? {} : { paidEpoch: result.paidEpoch }),
    ...(root === undefined ? {} : { root: root.root }),
    total: (root?.total ?? 0n).toString(),
    paid: result.paid.toString(),
    leaves: rewardsLeaves(result.state.cumulative),
    amounts: decimals(result.amounts),
    members: decimals(result.members),
    items: result.items.map((i) => ({
      ...i, precision: [...i.precision], raw: i.raw.toString(), amount: i.amount.toString(), steps: (i.steps ?? []).map((s) => ({ ...s, amount: s.amount.toString() }))
    })),
    reports: facts.reports,
    budget: facts.budget.toString(),
    ...(result.deposits.size === 0
      ? {}
      : {
          deposits: Object.fromEntries([...result.deposits].toSorted(([a], [b]) => a < b ? -1 : 1).map(([w, d]) => [w, {
            backed: d.backed, unbacked: d.unbacked, refunded: d.refunded.toString(), forfeited: d.forfeited.toString(), withdrawn: d.withdrawn.toString()
          }]))
        })
  }
}

/** The record's tree, rebuilt from its leaves (the same leaves always give the same tree); undefined when nobody has earned. */
export function treeOfRecord (record: Pick<StoredEpochRewards, 'leaves'>): RewardsTree | undefined {
  return rewardsTree(new Map(record.leaves.map(([a, v]) => [a, BigInt(v)])))
}
