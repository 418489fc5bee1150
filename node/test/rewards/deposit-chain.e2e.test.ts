// The deposits members read (SPEC 17, rule 0) follow a reorg: createDepositChain scans Deposited events once
// and then only newer blocks, so a reorg that puts a deposit into blocks it already read must make it read them
// again, or members that read before and after the reorg would back different reports and compute different roots.
import tap from 'tap'
import { parseEther } from 'ethers'
import { createDepositChain } from '../../src/rewards/deposit-chain.ts'
import { submitterWallet } from '../fixtures/rewarded-reports.ts'
import { deploySubmissionDeposits, head, lower, mined, mineTo, startMarketChain } from '../../../contracts/test/market-chain.ts'

const D = parseEther('8')
const c = await startMarketChain({ epochBlocks: 8, challengeBlocks: 2 })
tap.teardown(async () => { await c.stop() })
const deposits = await deploySubmissionDeposits(c)
const depositsAddress = lower(await deposits.getAddress())
await mined(c.rewards.getFunction('setDeposits')(depositsAddress))
await mined(c.vmt.getFunction('approve')(depositsAddress, parseEther('100')))
const [first, second] = [lower(submitterWallet(0).address), lower(submitterWallet(1).address)]

tap.test('a reorg that replaces the blocks already read is read again', async (t) => {
  const chain = createDepositChain({ provider: c.provider, address: depositsAddress, fromBlock: 0, logRange: 5 })
  const snapshot = await c.provider.send('evm_snapshot', []) as string
  await mined(deposits.getFunction('deposit')(first, D))
  const at = await head(c) + 2
  await mineTo(c, at + 1)
  t.same([...await chain.depositsAt(at)], [[first, { deposited: D, withdrawalsRequested: 0n }]], 'the first chain: one depositor')

  // the same heights again, another wallet's deposit in them
  await c.provider.send('evm_revert', [snapshot])
  await mined(deposits.getFunction('deposit')(second, D))
  await mineTo(c, at + 1)
  const after = await chain.depositsAt(at)
  t.same(after.get(second), { deposited: D, withdrawalsRequested: 0n }, 'the deposit the reorg brought is read')
  t.same(after.get(first), undefined, 'the one it took back is gone')
  t.same([...await chain.depositsAt(at)], [...after], 'read again without a reorg: the same')
})
