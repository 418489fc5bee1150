/**
 * The rewards tree and its signed root (SPEC section 17): OpenZeppelin StandardMerkleTree leaves
 * ['address', 'uint256'] of (account, cumulative wei), and the EIP-712 RewardsRoot a quorum of members signs.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import type { Signer } from 'ethers'
import { eip712 } from '../eip712.ts'
import type { Hex } from '../messages.ts'
import { recoverMember, signTyped } from '../signing.ts'

export const REWARDS_LEAF_TYPES = ['address', 'uint256'] as const

export type RewardsLeaf = [account: Hex, cumulative: string]
export type RewardsTree = StandardMerkleTree<RewardsLeaf>

export interface RewardsRoot {
  epoch: number
  root: Hex
  /** the sum of the leaves' cumulative amounts, wei */
  total: bigint
}

/** The leaves, by address ascending, of every address with a non-zero cumulative amount. */
export function rewardsLeaves (cumulative: ReadonlyMap<Hex, bigint>): RewardsLeaf[] {
  return [...cumulative.entries()].filter(([, v]) => v > 0n).map(([a, v]): RewardsLeaf => [a.toLowerCase() as Hex, v.toString()])
    .toSorted(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
}

/** The tree over the cumulative amounts; undefined while nobody has earned (no root is posted then). */
export function rewardsTree (cumulative: ReadonlyMap<Hex, bigint>): RewardsTree | undefined {
  const leaves = rewardsLeaves(cumulative)
  return leaves.length === 0 ? undefined : StandardMerkleTree.of(leaves, [...REWARDS_LEAF_TYPES])
}

export function rewardsTotal (cumulative: ReadonlyMap<Hex, bigint>): bigint {
  return [...cumulative.values()].reduce((s, v) => s + v, 0n)
}

/** The RewardsRoot of epoch E's cumulative amounts; undefined while nobody has earned. */
export function rewardsRootOf (epoch: number, cumulative: ReadonlyMap<Hex, bigint>): RewardsRoot | undefined {
  const tree = rewardsTree(cumulative)
  return tree === undefined ? undefined : { epoch, root: tree.root.toLowerCase() as Hex, total: rewardsTotal(cumulative) }
}

/** The proof of `account`'s leaf, with its cumulative amount; undefined when the account has none. */
export function rewardsProof (tree: RewardsTree, account: Hex): { cumulative: bigint, proof: Hex[] } | undefined {
  const wanted = account.toLowerCase()
  for (const [index, [a, v]] of tree.entries()) {
    if (a.toLowerCase() === wanted) return { cumulative: BigInt(v), proof: tree.getProof(index) as Hex[] }
  }
  return undefined
}

/** EIP-712 digest of a RewardsRoot under the protocol's domain (what each member signs). */
export function rewardsRootDigest (r: RewardsRoot, chainId: number, registry: Hex): Hex {
  return eip712.digest('RewardsRoot', r, chainId, registry) as Hex
}

export async function signRewardsRoot (r: RewardsRoot, chainId: number, registry: Hex, signer: Signer): Promise<Hex> {
  return await signTyped(signer, 'RewardsRoot', r, chainId, registry)
}

/** Who signed the RewardsRoot (`claimed`: the expected signer, a shortcut, never trusted); throws SignatureError for any other spelling. */
export function recoverRewardsRootSigner (r: RewardsRoot, signature: Hex, chainId: number, registry: Hex, claimed?: Hex): Hex {
  return recoverMember(rewardsRootDigest(r, chainId, registry), signature, claimed)
}
