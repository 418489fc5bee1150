import { rewardsProof } from '#protocol/rewards/index.ts'
import { treeOfRecord } from './epoch-record.ts'
import type { Hex } from '#protocol/messages.ts'
import type { RewardsTree } from '#protocol/rewards/index.ts'
import type { RewardsReader } from '../api/ports/index.ts'
import type { RewardsRepository, StoredEpochRewards } from '../db/rewards-repository.ts'

/** Trees kept rebuilt: a claim wave asks for the same epoch's proofs again and again. */
const CACHED_TREES = 4

/**
 * The rewards this member computed, as the API serves them (SPEC 17): an epoch's amounts and breakdown,
 * and an address's cumulative amount with its Merkle proof under the epoch's root.
 */
export function rewardsReader (repo: Pick<RewardsRepository, 'epoch' | 'epochs'>): RewardsReader {
  const trees = new Map<number, RewardsTree | undefined>()
  function treeOf (record: StoredEpochRewards): RewardsTree | undefined {
    if (!trees.has(record.epoch)) {
      trees.set(record.epoch, treeOfRecord(record))
      for (const epoch of trees.keys()) if (trees.size > CACHED_TREES) trees.delete(epoch)
    }
    return trees.get(record.epoch)
  }
  return {
    async latest () {
      return (await repo.epochs(1))[0]?.epoch
    },
    async epoch (epoch, page) {
      const r = await repo.epoch(epoch)
      if (r === undefined) return undefined
      return {
        epoch: r.epoch,
        ...(r.paidEpoch === undefined ? {} : { paidEpoch: r.paidEpoch }),
        ...(r.root === undefined ? {} : { root: r.root }),
        total: r.total,
        paid: r.paid,
        budget: r.budget,
        reports: r.reports,
        leafCount: r.leaves.length,
        amounts: r.amounts,
        members: r.members,
        items: r.items.slice(page.offset, page.offset + page.limit),
        itemCount: r.items.length
      }
    },
    async account (epoch, account, limit) {
      const r = await repo.epoch(epoch)
      if (r === undefined) return undefined
      const tree = treeOf(r)
      const leaf = tree === undefined ? undefined : rewardsProof(tree, account)
      return {
        epoch: r.epoch,
        ...(r.root === undefined ? {} : { root: r.root }),
        account,
        cumulative: (leaf?.cumulative ?? 0n).toString(),
        proof: leaf?.proof ?? [] as Hex[],
        amount: r.amounts[account] ?? '0',
        memberAmount: r.members[account] ?? '0',
        ...(r.deposits?.[account] === undefined ? {} : { deposit: r.deposits[account] }),
        items: r.items.filter((i) => i.submitter === account).slice(0, limit)
      }
    }
  }
}
