// SubmissionDeposits on anvil (SPEC section 17, rule 0): a deposit moves the caller's VMT into the rewards
// pool and credits it there, so a root may pay it back through claim; each wallet's cumulative deposits and
// withdrawal requests are checkpointed by block for the epoch's end block. Zero amounts, a withdrawal over
// what was deposited, a lookup of the current block, an unapproved transfer and a stranger crediting the pool
// revert with named errors.
import t from 'tap'
import { Contract, Wallet, hexlify, parseEther, randomBytes } from 'ethers'
import { rewardsTree, rewardsTotal } from '#protocol/rewards/root.ts'
import type { Hex } from '#protocol/messages.ts'
import { setBalance } from '#governance/anvil-time.ts'
import { revertOf } from './revert.ts'
import { deploySubmissionDeposits, head, lower, mineTo, mined, operator, rewardsSignatures, startMarketChain } from './market-chain.ts'

const c = await startMarketChain()
t.teardown(c.stop)
const { rewards, vmt, options } = c
const E = options.epochBlocks
const deposits = await deploySubmissionDeposits(c)
const depositsAddress = await deposits.getAddress()
const rewardsAddress = await rewards.getAddress()
const members: Wallet[] = []
for (let i = 0; i < 4; i++) members.push(await operator(c))

const submitter = new Wallet(hexlify(randomBytes(32)), c.provider)
await setBalance(c.provider, submitter.address, parseEther('1'))
await mined(vmt.getFunction('transfer')(submitter.address, parseEther('100')))
const asSubmitter = deposits.connect(submitter) as Contract
const vmtOf = async (a: string): Promise<bigint> => await vmt.getFunction('balanceOf')(a) as bigint
const err = async (pending: Promise<unknown>): Promise<{ name: string, args: unknown[] }> => await revertOf(deposits.interface, pending)
const rewardsErr = async (pending: Promise<unknown>): Promise<{ name: string, args: unknown[] }> => await revertOf(rewards.interface, pending)

t.test('wired to the distributor and its token', async (tt) => {
  tt.equal(await deposits.getFunction('distributor')(), rewardsAddress)
  tt.equal(await deposits.getFunction('token')(), await vmt.getAddress())
})

t.test('a deposit needs the distributor to accept it, an approval and an amount', async (tt) => {
  await mined((vmt.connect(submitter) as Contract).getFunction('approve')(depositsAddress, parseEther('100')))
  tt.same(await rewardsErr(asSubmitter.getFunction('deposit')(submitter.address, parseEther('8'))), { name: 'RewardsDistributorNotDeposits', args: [depositsAddress] }, 'not set as the deposits contract yet')
  tt.same(await rewardsErr(rewards.getFunction('creditDeposits')(1n)), { name: 'RewardsDistributorNotDeposits', args: [await c.owner.getAddress()] }, 'nobody else credits deposits')
  tt.same(await rewardsErr((rewards.connect(submitter) as Contract).getFunction('setDeposits')(submitter.address)), { name: 'OwnableUnauthorizedAccount', args: [submitter.address] })
  await mined(rewards.getFunction('setDeposits')(depositsAddress))
  tt.same(await rewards.getFunction('deposits')(), [0n, depositsAddress])
  tt.same(await err(asSubmitter.getFunction('deposit')(submitter.address, 0n)), { name: 'SubmissionDepositsZeroAmount', args: [] })
  const stranger = new Wallet(hexlify(randomBytes(32)), c.provider)
  await setBalance(c.provider, stranger.address, parseEther('1'))
  const unapproved = await revertOf(vmt.interface, (deposits.connect(stranger) as Contract).getFunction('deposit')(stranger.address, 1n))
  tt.equal(unapproved.name, 'ERC20InsufficientAllowance', 'no approval, no deposit')
})

let depositBlock = 0
t.test('a deposit moves the VMT into the pool, credits it and counts from the next block', async (tt) => {
  const pool = await vmtOf(rewardsAddress)
  const receipt = await mined(asSubmitter.getFunction('deposit')(submitter.address, parseEther('8')))
  depositBlock = receipt.blockNumber
  tt.equal(await vmtOf(rewardsAddress) - pool, parseEther('8'), 'the pool holds it')
  tt.equal(await vmtOf(submitter.address), parseEther('92'))
  tt.same(await rewards.getFunction('deposits')(), [parseEther('8'), depositsAddress], 'credited')
  const ev = receipt.logs.map(l => deposits.interface.parseLog(l)).find(l => l?.name === 'Deposited')
  tt.same(ev?.args.toArray(), [submitter.address, submitter.address, parseEther('8'), parseEther('8')])
  // anyone may fund another wallet's deposit (the devnet funds its demo wallets so)
  const other = lower(hexlify(randomBytes(20)))
  await mined(vmt.getFunction('approve')(depositsAddress, parseEther('16')))
  await mined(deposits.getFunction('deposit')(other, parseEther('16')))
  tt.same(await deposits.getFunction('totals')(other), [parseEther('16'), 0n])
  const now = BigInt(await head(c))
  tt.same(await err(deposits.getFunction('totalsAt')(submitter.address, now)), { name: 'PastBlocksFutureLookup', args: [now, now] }, 'a call runs in the head block: not past yet')
  await mineTo(c, await head(c) + 1)
  tt.same(await deposits.getFunction('totalsAt')(submitter.address, depositBlock - 1), [0n, 0n], 'before the deposit')
  tt.same(await deposits.getFunction('totalsAt')(submitter.address, depositBlock), [parseEther('8'), 0n], 'at its block')
})

t.test('withdrawal requests: never more than deposited, checkpointed, the deposits themselves stay', async (tt) => {
  tt.same(await err(asSubmitter.getFunction('requestWithdrawal')(0n)), { name: 'SubmissionDepositsZeroAmount', args: [] })
  tt.same(await err(asSubmitter.getFunction('requestWithdrawal')(parseEther('9'))), { name: 'SubmissionDepositsOverWithdrawal', args: [parseEther('9'), parseEther('8')] })
  const receipt = await mined(asSubmitter.getFunction('requestWithdrawal')(parseEther('3')))
  const ev = receipt.logs.map(l => deposits.interface.parseLog(l)).find(l => l?.name === 'WithdrawalRequested')
  tt.same(ev?.args.toArray(), [submitter.address, parseEther('3'), parseEther('3')])
  tt.same(await err(asSubmitter.getFunction('requestWithdrawal')(parseEther('6'))), { name: 'SubmissionDepositsOverWithdrawal', args: [parseEther('6'), parseEther('5')] }, 'what is left to ask')
  await mineTo(c, await head(c) + 1)
  tt.same(await deposits.getFunction('totalsAt')(submitter.address, receipt.blockNumber - 1), [parseEther('8'), 0n])
  tt.same(await deposits.getFunction('totalsAt')(submitter.address, receipt.blockNumber), [parseEther('8'), parseEther('3')])
  tt.equal(await vmtOf(submitter.address), parseEther('92'), 'a request moves nothing: the rewards tree pays it back')
})

t.test('credited deposits raise what a root may pay, and claim pays a refund back', async (tt) => {
  const [, , , firstEpoch] = await rewards.getFunction('settings')() as [bigint, bigint, string, bigint]
  const e = Math.floor(await head(c) / E) + 1
  await mineTo(c, (e + 1) * E)
  const budgets = options.budget * (BigInt(e) - firstEpoch + 1n)
  const credited = parseEther('24')
  const over = new Map<Hex, bigint>([[lower(submitter.address), budgets + credited + 1n]])
  const overTree = rewardsTree(over)
  if (overTree === undefined) throw new Error('empty tree')
  const overRoot = { epoch: e, root: overTree.root as Hex, total: rewardsTotal(over) }
  tt.same(await rewardsErr(rewards.getFunction('postRoot')(e, overRoot.root, overRoot.total, await rewardsSignatures(c, overRoot, members.slice(0, 3)))),
    { name: 'RewardsDistributorOverBudget', args: [budgets + credited + 1n, budgets + credited] }, 'budgets plus deposits, not more')
  const amounts = new Map<Hex, bigint>([[lower(submitter.address), budgets + credited]])
  const tree = rewardsTree(amounts)
  if (tree === undefined) throw new Error('empty tree')
  const r = { epoch: e, root: tree.root as Hex, total: rewardsTotal(amounts) }
  await mined(rewards.getFunction('postRoot')(e, r.root, r.total, await rewardsSignatures(c, r, members.slice(0, 3))))
  await mineTo(c, await head(c) + options.challengeBlocks)
  const before = await vmtOf(submitter.address)
  await mined(rewards.getFunction('claim')(submitter.address, budgets + credited, tree.getProof(0)))
  tt.equal(await vmtOf(submitter.address) - before, budgets + credited, 'rewards plus the deposits paid back')
})
