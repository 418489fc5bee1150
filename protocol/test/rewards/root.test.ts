/** The rewards tree (OpenZeppelin ['address', 'uint256'] leaves) and the EIP-712 RewardsRoot (SPEC section 17). */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import tap from 'tap'
import { TypedDataEncoder } from 'ethers'
import { EIP712_TYPES, eip712Domain, recoverRewardsRootSigner, REWARDS_LEAF_TYPES, rewardsProof, rewardsRootDigest, rewardsRootOf, rewardsTree, signRewardsRoot } from '../../src/index.ts'
import type { Hex } from '../../src/index.ts'
import { CHAIN_ID, member, OUTSIDER, REGISTRY } from '../fixtures.ts'
import { VMT, wallet } from './reward-fixtures.ts'

const cumulative = new Map<Hex, bigint>([[wallet(3), 5n * VMT], [wallet(1), 7n], [wallet(2), 0n], [wallet(4), 2n ** 200n]])

tap.test('leaves are (account, cumulative) of non-zero accounts and every proof verifies as OpenZeppelin\'s', async (t) => {
  const tree = rewardsTree(cumulative)
  if (tree === undefined) throw new Error('tree')
  t.equal(tree.length, 3, 'the zero account has no leaf')
  for (const [account, amount] of cumulative) {
    const proof = rewardsProof(tree, account)
    if (amount === 0n) { t.equal(proof, undefined); continue }
    t.equal(proof?.cumulative, amount)
    t.ok(StandardMerkleTree.verify(tree.root, [...REWARDS_LEAF_TYPES], [account, amount.toString()], proof?.proof ?? []), account)
    t.notOk(StandardMerkleTree.verify(tree.root, [...REWARDS_LEAF_TYPES], [account, (amount + 1n).toString()], proof?.proof ?? []), 'one wei more does not verify')
  }
  t.equal(rewardsTree(new Map()), undefined, 'no root while nobody has earned')
  const reordered = rewardsTree(new Map([...cumulative].toReversed()))
  t.equal(reordered?.root, tree.root, 'the root depends on the amounts only')
})

tap.test('RewardsRoot hashes as ethers does, signs and recovers; another total is another signature', async (t) => {
  const root = rewardsRootOf(9, cumulative)
  if (root === undefined) throw new Error('root')
  t.equal(root.total, 5n * VMT + 7n + 2n ** 200n)
  t.same(EIP712_TYPES.RewardsRoot, { RewardsRoot: [{ name: 'epoch', type: 'uint64' }, { name: 'root', type: 'bytes32' }, { name: 'total', type: 'uint256' }] })
  t.equal(rewardsRootDigest(root, CHAIN_ID, REGISTRY), TypedDataEncoder.hash(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.RewardsRoot, root))
  const signer = member(1)
  const signature = await signRewardsRoot(root, CHAIN_ID, REGISTRY, signer.wallet)
  t.equal(recoverRewardsRootSigner(root, signature, CHAIN_ID, REGISTRY), signer.address)
  t.not(recoverRewardsRootSigner({ ...root, total: root.total + 1n }, signature, CHAIN_ID, REGISTRY), signer.address)
  t.equal(recoverRewardsRootSigner(root, signature, CHAIN_ID, REGISTRY, OUTSIDER.address), signer.address, 'a false claim recovers the real signer, not the claimed one')
  t.throws(() => recoverRewardsRootSigner(root, '0x1234', CHAIN_ID, REGISTRY), 'a short signature')
})
