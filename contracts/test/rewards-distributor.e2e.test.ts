// RewardsDistributor on anvil (SPEC section 17): the RewardsRoot digest is the protocol's; a quorum of the
// members at an epoch's end block posts the epoch's cumulative root, in epoch order, within the budgets
// summed over the epochs plus market fees; a root pays after its challenge period unless a member froze it,
// then only once the owner accepts it (a rejected epoch is posted again); a claim pays cumulative minus
// claimed to the account whoever relays it, a repeat pays 0. Too few, non-member, duplicate and unordered
// signers, an epoch not over, out of order or over budget revert with named errors.
import t from 'tap'
import { Contract, Wallet, hexlify, randomBytes } from 'ethers'
import { rewardsRootDigest, rewardsTree, rewardsTotal } from '#protocol/rewards/root.ts'
import type { RewardsRoot, RewardsTree } from '#protocol/rewards/root.ts'
import type { Hex } from '#protocol/messages.ts'
import { revertOf } from './revert.ts'
import { ascending, head, lower, mineTo, mined, operator, rand32, rewardsSignatures, startMarketChain } from './market-chain.ts'

const c = await startMarketChain()
t.teardown(c.stop)
const { rewards, options } = c
const E = options.epochBlocks
const members: Wallet[] = []
for (let i = 0; i < 4; i++) members.push(await operator(c))
const outsider = await operator(c, false)
const relayer = await c.provider.getSigner(1)
const firstEpoch = Number((await rewards.getFunction('settings')())[3] as bigint)
/** The first epoch that starts after the members were admitted (budgets accrue from firstEpoch on). */
const start = Math.floor(await head(c) / E) + 1

const post = async (r: RewardsRoot, sigs: string[]): Promise<{ name: string, args: unknown[] }> =>
  await revertOf(rewards.interface, rewards.getFunction('postRoot')(r.epoch, r.root, r.total, sigs))
const postOk = async (r: RewardsRoot, ws: Wallet[] = members.slice(0, 3)): Promise<void> => {
  await mined(rewards.getFunction('postRoot')(r.epoch, r.root, r.total, await rewardsSignatures(c, r, ws)))
}
/** Mines past epoch `e`'s end so it can be posted. */
const endEpoch = async (e: number): Promise<void> => { await mineTo(c, (e + 1) * E) }
const vmtBalance = async (a: string): Promise<bigint> => await c.vmt.getFunction('balanceOf')(a) as bigint
const claim = (tree: RewardsTree, account: Hex, by: Contract = rewards): Promise<unknown> => {
  for (const [i, [a, v]] of tree.entries()) if (a === account) return by.getFunction('claim')(a, v, tree.getProof(i))
  throw new Error(`${account} not in the tree`)
}
const randomAccount = (): Hex => lower(hexlify(randomBytes(20)))
const rootOf = (epoch: number, amounts: Map<Hex, bigint>): { r: RewardsRoot, tree: RewardsTree } => {
  const tree = rewardsTree(amounts)
  if (tree === undefined) throw new Error('empty')
  return { r: { epoch, root: tree.root as Hex, total: rewardsTotal(amounts) }, tree }
}

t.test('the on-chain digest is the protocol\'s RewardsRoot digest', async (tt) => {
  for (const r of [{ epoch: 0, root: rand32(), total: 1n }, { epoch: 2 ** 40, root: rand32(), total: 2n ** 255n }]) {
    tt.equal(await rewards.getFunction('rewardsRootDigest')(r.epoch, r.root, r.total), rewardsRootDigest(r, c.chainId, c.registryAddress))
  }
  tt.equal(await rewards.getFunction('epochBlocks')(), BigInt(E), 'ReportAnchors\' epochs')
})

const alice = randomAccount()
const bob = randomAccount()
let settledEpoch = start
let settledTree: RewardsTree | undefined
let settledTotal = 0n

t.test('signers: fewer than quorum, a non-member, duplicates and unordered signers revert', async (tt) => {
  const e = start
  const { r } = rootOf(e, new Map([[alice, 10n]]))
  tt.same(await post(r, await rewardsSignatures(c, r, members.slice(0, 3))), { name: 'RewardsDistributorEpochNotOver', args: [BigInt(e), BigInt((e + 1) * E)] })
  await endEpoch(e)
  tt.same(await post(r, await rewardsSignatures(c, r, members.slice(0, 2))), { name: 'RewardsDistributorNoQuorum', args: [2n, 3n] }, 'quorum of 4 is 3')
  const withOutsider = ascending([...members.slice(0, 2), outsider])
  tt.same(await post(r, await rewardsSignatures(c, r, withOutsider)), { name: 'RewardsDistributorNotMember', args: [outsider.address] })
  const sigs = await rewardsSignatures(c, r, members.slice(0, 3))
  tt.same(await post(r, [sigs[0]!, sigs[0]!, sigs[1]!]), { name: 'RewardsDistributorSignersNotAscending', args: [1n, ascending(members.slice(0, 3))[0]!.address] }, 'duplicate')
  const unordered = [sigs[1]!, sigs[0]!, sigs[2]!]
  tt.same((await post(r, unordered)).name, 'RewardsDistributorSignersNotAscending', 'unordered')
  const late = await operator(c)
  tt.same(await post(r, await rewardsSignatures(c, r, [...members.slice(0, 2), late])), { name: 'RewardsDistributorNotMember', args: [late.address] }, 'admitted after the end block')
  await mined(c.registry.getFunction('remove')(late.address))
  tt.same(await post({ ...r, root: `0x${'00'.repeat(32)}` as Hex }, sigs), { name: 'RewardsDistributorEmpty', args: [] })
})

t.test('total is capped by the budgets summed over epochs plus market fees', async (tt) => {
  const e = start
  const allowed = options.budget * BigInt(e - firstEpoch + 1)
  const over = rootOf(e, new Map([[alice, allowed + 1n]])).r
  tt.same(await post(over, await rewardsSignatures(c, over, members.slice(0, 3))), { name: 'RewardsDistributorOverBudget', args: [allowed + 1n, allowed] })
  const { r, tree } = rootOf(e, new Map([[alice, allowed - 300n], [bob, 300n]]))
  await postOk(r)
  tt.same((await rewards.getFunction('openRoot')()).slice(0, 4), [BigInt(e), r.root, r.total, false], 'open, the budget exactly spent')
  tt.same(await revertOf(rewards.interface, claim(tree, alice)), { name: 'RewardsDistributorInvalidProof', args: [] }, 'nothing pays during the challenge period')
  const next = rootOf(e + 1, new Map([[alice, 1n]])).r
  await endEpoch(e + 1)
  tt.same(await post(next, await rewardsSignatures(c, next, members.slice(0, 3))), { name: 'RewardsDistributorRootOpen', args: [BigInt(e)] })
  await mineTo(c, (await head(c)) + options.challengeBlocks)
  tt.same(await rewards.getFunction('settledRoot')(), [BigInt(e), r.root, r.total], 'settled once the challenge is over')
  settledEpoch = e
  settledTree = tree
  settledTotal = r.total
})

t.test('a claim pays cumulative minus claimed, to the account whoever relays; a repeat pays 0', async (tt) => {
  const tree = settledTree
  if (tree === undefined) throw new Error('no settled root')
  const before = await vmtBalance(bob)
  await mined(claim(tree, bob, rewards.connect(relayer) as Contract))
  tt.equal(await vmtBalance(bob) - before, 300n, 'a third party relayed; bob got exactly his amount')
  tt.equal(await rewards.getFunction('claimed')(bob), 300n)
  const pool = await vmtBalance(await rewards.getAddress())
  await mined(claim(tree, bob))
  tt.equal(await vmtBalance(bob) - before, 300n, 'the repeat paid 0')
  tt.equal(await vmtBalance(await rewards.getAddress()), pool, 'the pool paid nothing more')
  tt.same(await revertOf(rewards.interface, rewards.getFunction('claim')(bob, 301n, tree.getProof(0))), { name: 'RewardsDistributorInvalidProof', args: [] }, 'another amount')
})

t.test('epochs strictly in order; the cumulative total never decreases', async (tt) => {
  const same = rootOf(settledEpoch, new Map([[alice, 1n]])).r
  tt.same(await post(same, await rewardsSignatures(c, same, members.slice(0, 3))), { name: 'RewardsDistributorEpochOutOfOrder', args: [BigInt(settledEpoch), BigInt(settledEpoch + 1)] }, 'the same epoch again')
  const earlier = rootOf(settledEpoch - 1, new Map([[alice, 1n]])).r
  tt.same((await post(earlier, await rewardsSignatures(c, earlier, members.slice(0, 3)))).name, 'RewardsDistributorEpochOutOfOrder', 'an earlier epoch')
  const less = rootOf(settledEpoch + 1, new Map([[alice, 1n]])).r
  tt.same(await post(less, await rewardsSignatures(c, less, members.slice(0, 3))), { name: 'RewardsDistributorTotalDecreased', args: [1n, settledTotal] })
})

t.test('a frozen root pays nothing until the owner resolves it; rejected, the epoch is posted again', async (tt) => {
  const e = settledEpoch + 2 // epoch settledEpoch+1 is skipped: its budget still accrues
  await endEpoch(e)
  const allowed = options.budget * BigInt(e - firstEpoch + 1)
  const { r, tree } = rootOf(e, new Map([[alice, allowed - 300n], [bob, 300n]]))
  await postOk(r, members.slice(1, 4))
  tt.same(await revertOf(rewards.interface, (rewards.connect(outsider) as Contract).getFunction('freeze')()), { name: 'RewardsDistributorNotMember', args: [outsider.address] })
  await mined((rewards.connect(members[0]!) as Contract).getFunction('freeze')())
  tt.same(await revertOf(rewards.interface, (rewards.connect(members[1]!) as Contract).getFunction('freeze')()), { name: 'RewardsDistributorNotChallengeable', args: [] }, 'already frozen')
  await mineTo(c, (await head(c)) + options.challengeBlocks + 1)
  tt.same(await revertOf(rewards.interface, claim(tree, alice)), { name: 'RewardsDistributorInvalidProof', args: [] }, 'frozen past its challenge period: not claimable')
  tt.same((await rewards.getFunction('settledRoot')())[0], BigInt(settledEpoch), 'claims still pay against the last settled root')
  tt.same(await revertOf(rewards.interface, (rewards.connect(relayer) as Contract).getFunction('resolve')(true)), { name: 'OwnableUnauthorizedAccount', args: [await relayer.getAddress()] })
  await mined(rewards.getFunction('resolve')(false))
  tt.same((await rewards.getFunction('openRoot')())[1], `0x${'00'.repeat(32)}`, 'rejected: gone')

  // the market's fees raise the cap (credited only by the market)
  tt.same(await revertOf(rewards.interface, rewards.getFunction('creditFees')(300n)), { name: 'RewardsDistributorNotMarket', args: [await c.owner.getAddress()] })
  const again = rootOf(e, new Map([[alice, allowed - 300n], [bob, 600n]]))
  tt.same(await post(again.r, await rewardsSignatures(c, again.r, members.slice(0, 3))), { name: 'RewardsDistributorOverBudget', args: [allowed + 300n, allowed] }, 'no fees credited yet')
  // the owner stands in for the market here (the market test credits real fees)
  await mined(rewards.getFunction('setMarket')(await c.owner.getAddress()))
  await mined(rewards.getFunction('creditFees')(300n))
  await mined(rewards.getFunction('setMarket')(await c.market.getAddress()))
  await postOk(again.r)
  await mined((rewards.connect(members[2]!) as Contract).getFunction('freeze')())
  await mined(rewards.getFunction('resolve')(true))
  tt.same(await rewards.getFunction('settledRoot')(), [BigInt(e), again.r.root, again.r.total], 'accepted: claimable at once')
  const before = await vmtBalance(bob)
  await mined(claim(again.tree, bob))
  tt.equal(await vmtBalance(bob) - before, 300n, 'bob gets his new cumulative 600 minus the 300 claimed')
})
