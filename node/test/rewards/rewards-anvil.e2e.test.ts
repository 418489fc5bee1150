// The rewards epoch process against a real RewardsDistributor on anvil: four members registered on chain
// compute the epoch that holds two signed, confirmed-malicious submissions, sign, one posts through
// postRoot (the contract checks the quorum at the epoch's end block and the budget), and after the
// challenge period a submitter's claim with the stored proof pays its amount; a repeat pays nothing.
import tap from 'tap'
import { DEFAULT_REWARD_PARAMS, rewardsProof } from '#protocol/rewards/index.ts'
import { createRewardsChain } from '../../src/rewards/rewards-chain.ts'
import { treeOfRecord } from '../../src/rewards/epoch-record.ts'
import { staticFollower } from '../fixtures/memory-network.ts'
import { submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import { startRewardsMembers } from '../fixtures/rewards-members.ts'
import { head, lower, mineTo, operator, rewardsSignatures, startMarketChain } from '../../../contracts/test/market-chain.ts'
import type { Wallet } from 'ethers'
import type { Test as TapTest } from 'tap'
import type { Hex } from '#protocol/messages.ts'
import type { RewardsService } from '../../src/rewards/rewards-service.ts'

const E = 8
const c = await startMarketChain({ epochBlocks: E, challengeBlocks: 2 })
tap.teardown(async () => { await c.stop() })
const wallets: Wallet[] = []
for (let i = 0; i < 4; i++) wallets.push(await operator(c))
const rewardsAddress = lower(await c.rewards.getAddress())
// the first epoch that starts after every admission: its members are the four
const epoch = Math.floor(await head(c) / E) + 1
// maxJobAgeBlocks 16 (its least value): the epochs before `epoch` can no longer be anchored from block epoch·E + 16 on
const followed = (epoch + 1) * E + 20
await mineTo(c, followed)

const params = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionDeposit: 0n }
const follower = staticFollower(wallets.map((w) => ({ operator: lower(w.address), peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), {
  followedBlock: followed, parameters: { maxJobAgeBlocks: 16n, quorumFaultDivisor: 3n, rewardBudgetPerEpoch: c.options.budget }
})
const reports = await Promise.all([0, 1].map(async (i) => await submittedReport(new TextEncoder().encode(`anvil sample ${i}`), submitterWallet(i), `anvil-family-${i}`)))

/** the four members' rewards services, started; stopped at the test's end */
const members = async (t: TapTest): ReturnType<typeof startRewardsMembers> => await startRewardsMembers(t, { c, wallets, reports, epoch, epochBlocks: E, followed, params, follower })

const openRoot = async (): Promise<[bigint, string, bigint]> => await c.rewards.getFunction('openRoot')() as [bigint, string, bigint]
const NO_ROOT = `0x${'00'.repeat(32)}`

/**
 * passes of every member until a root is open on chain, for at most 20 s: a count of passes was too few on a
 * busy machine (the full suite's four processes on two cores), where a member's signing and posting take longer
 */
async function untilPosted (services: readonly RewardsService[]): Promise<void> {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline && (await openRoot())[1] === NO_ROOT) {
    for (const s of services) await s.tick()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

tap.test('a reorg that takes back only the postRoot transaction: the members sign and post the root again', async (t) => {
  const pristine = await c.provider.send('evm_snapshot', []) as string
  const { services, stores } = await members(t)
  await untilPosted(services)
  const [posted, root] = await openRoot()
  t.not(root, NO_ROOT, 'posted once')
  t.equal(root, (await stores[0]?.rewards.epoch(Number(posted)))?.root)
  // the block with postRoot is replaced by an empty one, as a reorg on L1 does; registry, anchors and parameters are untouched
  t.ok(await c.provider.send('evm_revert', [pristine]), 'reverted to before the post')
  // a revert spends its snapshot: this one gives the next test the chain as it was
  const again = await c.provider.send('evm_snapshot', []) as string
  await c.provider.send('anvil_mine', ['0x2'])
  t.equal((await openRoot())[1], NO_ROOT, 'the root is no longer on chain')
  await untilPosted(services)
  t.same((await openRoot()).slice(0, 2), [posted, root], 'the same epoch\'s root is posted again')
  t.ok(await c.provider.send('evm_revert', [again]), 'the next test starts from the chain as it was')
})

tap.test('a postRoot the chain never mines answers NOT_MINED after the receipt timeout; an abort ends the wait at once', async (t) => {
  const pristine = await c.provider.send('evm_snapshot', []) as string
  // nothing is mined: the transaction stays in the pool, as one a reorg dropped stays out of every block
  await c.provider.send('evm_setAutomine', [false])
  t.teardown(async () => {
    await c.provider.send('anvil_dropAllTransactions', [])
    await c.provider.send('evm_setAutomine', [true])
    await c.provider.send('evm_revert', [pristine])
  })
  const root = { epoch, root: `0x${'5a'.repeat(32)}` as Hex, total: 1n }
  const signatures = await rewardsSignatures(c, root, wallets.slice(0, 3)) as Hex[]
  const poster = createRewardsChain({ provider: c.provider, address: rewardsAddress, signer: wallets[0] as Wallet, receiptTimeoutMs: 300 })
  t.same(await poster.post(root.epoch, root.root, root.total, signatures), { posted: false, reason: 'NOT_MINED' }, 'not mined: an answer, not a wait without end')
  // the pool forgets it, so the next post is estimated against the chain as it is
  await c.provider.send('anvil_dropAllTransactions', [])
  const patient = createRewardsChain({ provider: c.provider, address: rewardsAddress, signer: wallets[1] as Wallet, receiptTimeoutMs: 600_000 })
  const started = Date.now()
  await t.rejects(patient.post(root.epoch, root.root, root.total, signatures, { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' }, 'the signal ends the wait')
  t.ok(Date.now() - started < 30_000, 'long before the receipt timeout')
  t.equal((await openRoot())[1], NO_ROOT, 'nothing posted')
})

tap.test('members post the epoch\'s root to RewardsDistributor and a submitter claims its reward', async (t) => {
  const { services, stores } = await members(t)
  await untilPosted(services)
  t.equal((await openRoot())[0], BigInt(epoch), 'the epoch\'s root is posted')
  const record = await stores[0]?.rewards.epoch(epoch)
  const [, root, total] = await c.rewards.getFunction('openRoot')() as [bigint, string, bigint]
  t.equal(root, record?.root, 'the root every member computed')
  t.equal(total.toString(), record?.total)

  await mineTo(c, await head(c) + 2)
  const submitter = lower(submitterWallet(0).address)
  const tree = treeOfRecord(record ?? { leaves: [] })
  const leaf = tree === undefined ? undefined : rewardsProof(tree, submitter)
  t.equal(leaf?.cumulative, params.baseReward, 'the submitter\'s cumulative amount: one base reward')
  const relay = createRewardsChain({ provider: c.provider, address: rewardsAddress, signer: c.owner })
  const before = await c.vmt.getFunction('balanceOf')(submitter) as bigint
  const paid = await relay.claim(submitter, leaf?.cumulative ?? 0n, leaf?.proof ?? [])
  t.equal(paid.amount, params.baseReward, 'the claim pays the amount')
  t.equal(await c.vmt.getFunction('balanceOf')(submitter) as bigint, before + params.baseReward, 'to the submitter, whoever relays')
  t.equal((await relay.claim(submitter, leaf?.cumulative ?? 0n, leaf?.proof ?? [])).amount, 0n, 'a repeat pays nothing')
  t.equal(await relay.claimed(submitter), params.baseReward)
  t.same(await relay.roots(), { settled: { epoch, root, total } }, 'the root settled after its challenge')
})
