// Rule 0 end to end on anvil (SPEC 17): SubmissionDeposits takes a submitter's deposit into the rewards pool;
// four members read every depositor's totals at the paid epoch's end block (createDepositChain, from the
// contract's Deposited events and totalsAt), compute with submissionDeposit 8 VMT, post the root, and the
// claims pay: the deposited submitter its reward plus its deposit back, the submitter without a deposit
// nothing, and a wallet that asked its deposit back gets it. A deposit made after the end block counts not.
import tap from 'tap'
import { parseEther } from 'ethers'
import { DEFAULT_REWARD_PARAMS, rewardsProof } from '#protocol/rewards/index.ts'
import { createDepositChain } from '../../src/rewards/deposit-chain.ts'
import { createRewardsChain } from '../../src/rewards/rewards-chain.ts'
import { treeOfRecord } from '../../src/rewards/epoch-record.ts'
import { staticFollower } from '../fixtures/memory-network.ts'
import { startApi } from '../fixtures/api-server.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { runCli } from '../../src/cli/run.ts'
import { rewardsReader } from '../../src/rewards/rewards-reader.ts'
import { submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import { startRewardsMembers } from '../fixtures/rewards-members.ts'
import { deploySubmissionDeposits, head, lower, mined, mineTo, operator, startMarketChain } from '../../../contracts/test/market-chain.ts'
import type { Contract, Wallet } from 'ethers'
import type { Hex } from '#protocol/messages.ts'

const E = 8
const D = parseEther('8')
const c = await startMarketChain({ epochBlocks: E, challengeBlocks: 2 })
tap.teardown(async () => { await c.stop() })
const wallets: Wallet[] = []
for (let i = 0; i < 4; i++) wallets.push(await operator(c))
const rewardsAddress = lower(await c.rewards.getAddress())
const deposits = await deploySubmissionDeposits(c)
const depositsAddress = lower(await deposits.getAddress())
await mined(c.rewards.getFunction('setDeposits')(depositsAddress))
await mined(c.vmt.getFunction('approve')(depositsAddress, parseEther('100')))

const backed = lower(submitterWallet(0).address)
const unbacked = lower(submitterWallet(1).address)
const leaving = lower(submitterWallet(2).address)
await mined(deposits.getFunction('deposit')(backed, D))
await mined(deposits.getFunction('deposit')(leaving, D))
// the leaving wallet asks its deposit back itself
await c.provider.send('anvil_setBalance', [leaving, '0xde0b6b3a7640000'])
await mined((deposits.connect(submitterWallet(2).connect(c.provider)) as Contract).getFunction('requestWithdrawal')(D))

const epoch = Math.floor(await head(c) / E) + 1
const followed = (epoch + 1) * E + 20
await mineTo(c, (epoch + 1) * E)
// after the epoch's end block: too late to back its reports
await mined(deposits.getFunction('deposit')(unbacked, D))
await mineTo(c, followed)

const params = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionDeposit: D }
const follower = staticFollower(wallets.map((w) => ({ operator: lower(w.address), peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), {
  followedBlock: followed, parameters: { maxJobAgeBlocks: 16n, quorumFaultDivisor: 3n, rewardBudgetPerEpoch: c.options.budget }
})
const reports = await Promise.all([0, 1].map(async (i) => await submittedReport(new TextEncoder().encode(`deposit sample ${i}`), submitterWallet(i), `deposit-family-${i}`)))

async function cli (argv: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { stdout: { write: (x: string) => { out += x } }, stderr: { write: (x: string) => { err += x } }, signal: AbortSignal.timeout(60_000), env: {}, cwd: process.cwd() })
  return { code, out, err }
}

tap.test('members read the deposits at the end block; the claims pay rewards and deposits back', async (t) => {
  const { services, stores } = await startRewardsMembers(t, { c, wallets, reports, epoch, epochBlocks: E, followed, params, follower, deposits: depositsAddress })
  for (let i = 0; i < 20 && (await c.rewards.getFunction('openRoot')() as [bigint, string])[1] === `0x${'00'.repeat(32)}`; i++) {
    for (const s of services) await s.tick()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const record = await stores[0]?.rewards.epoch(epoch)
  t.same(record?.items.map((i) => [i.submitter, i.outcome]).toSorted(), [[backed, 'paid'], [unbacked, 'no-deposit']].toSorted(), 'the late deposit backs nothing')
  const [, root] = await c.rewards.getFunction('openRoot')() as [bigint, string]
  t.equal(root, record?.root, 'the root every member computed is posted')
  for (const s of stores.slice(1)) t.equal((await s.rewards.epoch(epoch))?.root, record?.root)
  await mineTo(c, await head(c) + 2)
  const tree = treeOfRecord(record ?? { leaves: [] })
  const relay = createRewardsChain({ provider: c.provider, address: rewardsAddress, signer: c.owner })
  const claim = async (account: Hex): Promise<bigint> => {
    const leaf = tree === undefined ? undefined : rewardsProof(tree, account)
    if (leaf === undefined) return 0n
    return (await relay.claim(account, leaf.cumulative, leaf.proof)).amount
  }
  t.equal(await claim(backed), params.baseReward + D, 'the reward and the deposit back')
  t.equal(await claim(unbacked), 0n, 'no deposit at the end block: nothing')
  t.equal(await claim(leaving), D, 'the withdrawal request paid back')
  t.same(await deposits.getFunction('totals')(unbacked), [D, 0n], 'the late deposit is still there for its next reports')
  t.same(record?.deposits, {
    [backed]: { backed: 1, unbacked: 0, refunded: D.toString(), forfeited: '0', withdrawn: '0' },
    [unbacked]: { backed: 0, unbacked: 1, refunded: '0', forfeited: '0', withdrawn: '0' }
  }, 'the record says what the deposits did')
  // the request came before the epoch: the first epoch computed after it paid it back
  const earlier = await Promise.all([1, 2, 3, 4].map(async (k) => (await stores[0]?.rewards.epoch(epoch - k))?.deposits?.[leaving]))
  t.same(earlier.filter((d) => d !== undefined), [{ backed: 0, unbacked: 0, refunded: '0', forfeited: '0', withdrawn: D.toString() }], 'paid back once, in an earlier epoch')
  // served and printed: GET /api/virusmap/rewards/{epoch}/{address} and virusmap rewards
  const first = stores[0]
  if (first === undefined) throw new Error('no member')
  const api = await startApi(t, { ...createMemoryNode().ports, rewards: rewardsReader(first.rewards) })
  const shown = await cli(['rewards', '--address', unbacked, '--epoch', String(epoch), '--api', api.url])
  t.equal(shown.code, 0, shown.err)
  t.match(shown.out, 'deposits: 0 reports backed, 1 not (they earned nothing); 0.0 VMT paid back, 0.0 VMT forfeited, 0.0 VMT withdrawn')
  const json = JSON.parse((await cli(['rewards', '--address', backed, '--epoch', String(epoch), '--api', api.url, '--json'])).out) as { amount: string, deposit: unknown }
  t.same(json.deposit, { backed: 1, unbacked: 0, refunded: D.toString(), forfeited: '0', withdrawn: '0' })
  t.equal(json.amount, (params.baseReward + D).toString(), 'this epoch\'s amount holds the deposit paid back')
  // a lying node's deposit is refused, not printed
  for (const hostile of [{ backed: -1 }, { backed: 1, unbacked: 0, refunded: '1e3', forfeited: '0', withdrawn: '0' }, { backed: 1.5, unbacked: 0, refunded: '0', forfeited: '0', withdrawn: '0' }, 'x', [1]]) {
    const liar = createMemoryNode()
    liar.rewards.set(epoch, { ...(record as NonNullable<typeof record>), deposits: { [backed]: hostile as never } })
    const r = await cli(['rewards', '--address', backed, '--epoch', String(epoch), '--api', (await startApi(t, liar.ports)).url])
    t.equal(r.code, 4, `${JSON.stringify(hostile)}: ${r.err}`)
    t.match(r.err, /the rewards answer has a malformed deposit/)
  }
})

tap.test('the reader: depositors at a block, hostile and future blocks', async (t) => {
  const reader = createDepositChain({ provider: c.provider, address: depositsAddress, fromBlock: 0 })
  const atEnd = await reader.depositsAt((epoch + 1) * E - 1)
  t.same([...atEnd.keys()].toSorted(), [backed, leaving].toSorted(), 'only who had deposited by then')
  t.same(atEnd.get(leaving), { deposited: D, withdrawalsRequested: D })
  t.same((await reader.depositsAt(followed)).get(unbacked), { deposited: D, withdrawalsRequested: 0n })
  t.same(await reader.totals(unbacked), { deposited: D, withdrawalsRequested: 0n })
  await t.rejects(reader.depositsAt(await head(c) + 100), 'a block not mined yet is refused by the chain')
  const aborted = new AbortController()
  aborted.abort()
  await t.rejects(reader.depositsAt(followed, { signal: aborted.signal }), { name: 'AbortError' })
})
