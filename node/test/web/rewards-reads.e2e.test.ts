// The page's rewards reads (rewards-reads.js: JSON-RPC from the browser, no ethers) against a real
// RewardsDistributor on anvil and a node serving real computed epochs through its API: a proven leaf is
// claimable, a node lying about the amount is caught (nothing claimable), a claim relayed with the
// page's calldata pays and leaves nothing claimable, pending is the node's newer epoch above the settled
// one. The node's answer is held to its shape: hostile answers are refused by code.
import tap from 'tap'
import { readFile } from 'node:fs/promises'
import { keccak_256 } from '@noble/hashes/sha3.js'
import type { Wallet } from 'ethers'
import { computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, rewardFactsOf } from '#protocol/rewards/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { epochRecordOf } from '../../src/rewards/epoch-record.ts'
import { createAbi } from '../../src/web/abi-codec.js'
import { claimCalldata, createRewardsReads, parseAccountAnswer } from '../../src/web/rewards-reads.js'
import { startApi } from '../fixtures/api-server.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import { head, lower, mined, mineTo, operator, rewardsSignatures, startMarketChain } from '../../../contracts/test/market-chain.ts'

const E = 8
const c = await startMarketChain({ epochBlocks: E, challengeBlocks: 2 })
tap.teardown(async () => { await c.stop() })
const rewards = lower(await c.rewards.getAddress())
const members: Wallet[] = []
for (let i = 0; i < 4; i++) members.push(await operator(c))
const epoch = Math.floor(await head(c) / E) + 1
await mineTo(c, (epoch + 1) * E)

// epoch: two reports of submitter 0, one of submitter 1; epoch + 1 (computed by the node, not posted): one more of submitter 0
const params = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionDeposit: 0n }
const reports = await Promise.all([0, 1, 2].map(async (i) => await submittedReport(new TextEncoder().encode(`web rewards ${i}`), submitterWallet(i % 2), `web-family-${i}`)))
const first = computeEpochRewards({ epoch, facts: reports.map((r) => rewardFactsOf(r, epoch)), state: { ...INITIAL_REWARDS_STATE, epoch: epoch - 1 }, params })
const later = [await submittedReport(new TextEncoder().encode('web rewards later'), submitterWallet(0), 'web-family-later')]
const second = computeEpochRewards({ epoch: epoch + 1, facts: later.map((r) => rewardFactsOf(r, epoch + 1)), state: first.state, params })
const record = epochRecordOf(first, { reports: reports.length, budget: params.budget })
const node = createMemoryNode()
node.rewards.set(epoch, record)
node.rewards.set(epoch + 1, epochRecordOf(second, { reports: later.length, budget: params.budget }))
const api = await startApi(tap, node.ports)

const account = lower(submitterWallet(0).address)
const settledCumulative = first.state.cumulative.get(account) as bigint
const newestCumulative = second.state.cumulative.get(account) as bigint
const rewardsAbi = createAbi((JSON.parse(await readFile(new URL('../../../contracts/artifacts/RewardsDistributor.json', import.meta.url), 'utf8')) as { abi: unknown[] }).abi, keccak_256)

/** the node's API as the page reads it: the answer's data, undefined on 404 */
async function fetchData (path: string): Promise<unknown> {
  const res = await fetch(`${api.url}${path}`)
  if (res.status === 404) return undefined
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  return (await res.json() as { data: unknown }).data
}
const reads = createRewardsReads({ rpcUrl: c.anvil.rpcUrl, rewards }, fetchData, keccak_256)

tap.test('nothing settled on chain yet: nothing claimable, the node\'s amount is pending', async (t) => {
  const r = await reads.walletRewards(account)
  t.match(r, { settledEpoch: undefined, latestEpoch: epoch + 1, claimed: 0n, claimable: 0n, pending: newestCumulative, check: 'no-root', proven: false })
  t.equal(r.claim, undefined, 'no claim offered')
})

tap.test('a settled root: the node\'s leaf is proven against it and claimable; the newer epoch is pending', async (t) => {
  await mined(c.rewards.getFunction('postRoot')(epoch, record.root, BigInt(record.total), await rewardsSignatures(c, { epoch, root: record.root as Hex, total: BigInt(record.total) }, members)))
  const open = await reads.walletRewards(account)
  t.equal(open.check, 'no-root', 'a root in its challenge period is not settled')
  await mineTo(c, await head(c) + 2)
  const r = await reads.walletRewards(account.toUpperCase().replace('0X', '0x'))
  t.ok(settledCumulative > 0n && newestCumulative > settledCumulative)
  t.match(r, { settledEpoch: epoch, latestEpoch: epoch + 1, claimed: 0n, claimable: settledCumulative, pending: newestCumulative - settledCumulative, check: 'proven', proven: true })
  t.same(r.claim?.cumulative, settledCumulative)
  t.equal(r.claim?.account, account)
  const nobody = await reads.walletRewards(lower(members[0]!.address))
  t.match(nobody, { settledEpoch: epoch, claimable: 0n, pending: 0n, check: 'no-leaf', proven: false }, 'an account with no leaf')
})

tap.test('a node lying about the amount, or answering another epoch\'s proof: not proven, nothing claimable', async (t) => {
  const doubled = createRewardsReads({ rpcUrl: c.anvil.rpcUrl, rewards }, async (path: string) => {
    const data = await fetchData(path) as { attributes: { cumulative: string } }
    return { ...data, attributes: { ...data.attributes, cumulative: (BigInt(data.attributes.cumulative) * 2n).toString() } }
  }, keccak_256)
  const lied = await doubled.walletRewards(account)
  t.match(lied, { settledEpoch: epoch, claimable: 0n, check: 'mismatch', proven: false })
  t.equal(lied.claim, undefined, 'no claim offered')
  const shortProof = createRewardsReads({ rpcUrl: c.anvil.rpcUrl, rewards }, async (path: string) => {
    const data = await fetchData(path) as { attributes: { proof: string[] } }
    return { ...data, attributes: { ...data.attributes, proof: data.attributes.proof.slice(1) } }
  }, keccak_256)
  t.match(await shortProof.walletRewards(account), { claimable: 0n, check: 'mismatch' })
  const wrongEpoch = createRewardsReads({ rpcUrl: c.anvil.rpcUrl, rewards }, async (path: string) => await fetchData(path.replace(`/${epoch}/`, `/${epoch + 1}/`)), keccak_256)
  await t.rejects(wrongEpoch.walletRewards(account), { code: 'BAD_ANSWER', message: /another epoch/ })
})

tap.test('a claim relayed with the page\'s calldata pays the amount; then nothing is claimable and the newer epoch stays pending', async (t) => {
  const r = await reads.walletRewards(account)
  const before = await c.vmt.getFunction('balanceOf')(account) as bigint
  await mined(c.owner.sendTransaction({ to: rewards, data: claimCalldata(rewardsAbi, r.claim) }))
  t.equal(await c.vmt.getFunction('balanceOf')(account) as bigint, before + settledCumulative, 'the wallet holds its reward, whoever relayed')
  const after = await reads.walletRewards(account)
  t.match(after, { claimed: settledCumulative, claimable: 0n, pending: newestCumulative - settledCumulative, check: 'proven', proven: true })
  t.equal(after.claim, undefined)
  t.throws(() => claimCalldata(rewardsAbi, undefined), { code: 'BAD_INPUT' })
})

tap.test('bad input, an unreachable RPC, a contract that is no RewardsDistributor, a node that is not there', async (t) => {
  t.throws(() => createRewardsReads({ rpcUrl: c.anvil.rpcUrl, rewards: '0x1234' }, fetchData, keccak_256), { code: 'BAD_INPUT' })
  t.throws(() => createRewardsReads({ rpcUrl: c.anvil.rpcUrl, rewards: undefined }, fetchData, keccak_256), { code: 'BAD_INPUT' })
  for (const bad of ['', '0x12', `0x${'g'.repeat(40)}`, 42, null]) await t.rejects(reads.walletRewards(bad as string), { code: 'BAD_INPUT' }, `wallet ${String(bad)}`)
  await t.rejects(createRewardsReads({ rpcUrl: 'http://127.0.0.1:9/', rewards }, fetchData, keccak_256).walletRewards(account), { code: 'RPC_UNREACHABLE' })
  await t.rejects(createRewardsReads({ rpcUrl: c.anvil.rpcUrl, rewards: lower(await c.vmt.getAddress()) }, fetchData, keccak_256).walletRewards(account), { code: 'CALL_FAILED' }, 'VMT has no settledRoot()')
  await t.rejects(createRewardsReads({ rpcUrl: c.anvil.rpcUrl, rewards: account }, fetchData, keccak_256).walletRewards(account), { code: 'CALL_FAILED' }, 'an account with no code')
  const silent = await createRewardsReads({ rpcUrl: c.anvil.rpcUrl, rewards }, async () => undefined, keccak_256).walletRewards(account)
  t.match(silent, { latestEpoch: undefined, claimable: 0n, pending: 0n, check: 'no-leaf' }, 'a node that computed nothing')
})

tap.test('the node\'s answer is held to its shape: hostile answers are refused with BAD_ANSWER', async (t) => {
  const proof = [`0x${'ab'.repeat(32)}`]
  const good = { type: 'rewards_account', attributes: { epoch: 3, account, cumulative: '1000', proof } }
  t.same(parseAccountAnswer(good, account, 3), { epoch: 3, cumulative: 1000n, proof })
  t.same(parseAccountAnswer(good, account), { epoch: 3, cumulative: 1000n, proof }, 'any epoch for latest')
  t.same(parseAccountAnswer({ attributes: { ...good.attributes, cumulative: '9'.repeat(77) } }, account).cumulative, BigInt('9'.repeat(77)))
  const max = ((1n << 256n) - 1n).toString()
  t.equal(parseAccountAnswer({ attributes: { ...good.attributes, cumulative: max } }, account).cumulative.toString(), max, 'uint256 max')
  const withAttrs = (a: Record<string, unknown>): unknown => ({ attributes: { ...good.attributes, ...a } })
  const hostile: Array<[string, unknown, RegExp]> = [
    ['null', null, /no attributes/], ['a string', 'data', /no attributes/], ['an array', [good], /no attributes/],
    ['attributes null', { attributes: null }, /no attributes/], ['attributes an array', { attributes: [good.attributes] }, /no attributes/],
    ['__proto__ attributes', JSON.parse(`{"__proto__":${JSON.stringify(good.attributes)}}`), /no attributes/],
    ['attributes through __proto__', JSON.parse(`{"attributes":{"__proto__":${JSON.stringify(good.attributes)}}}`), /another epoch/],
    ['another epoch', withAttrs({ epoch: 4 }), /another epoch/], ['a string epoch', withAttrs({ epoch: '3' }), /another epoch/],
    ['a negative epoch', withAttrs({ epoch: -1 }), /another epoch/], ['a fractional epoch', withAttrs({ epoch: 3.5 }), /another epoch/],
    ['an unsafe epoch', withAttrs({ epoch: 2 ** 53 }), /another epoch/],
    ['another account', withAttrs({ account: lower(members[0]!.address) }), /another account/],
    ['the account in capitals', withAttrs({ account: account.toUpperCase() }), /another account/],
    ['a number cumulative', withAttrs({ cumulative: 1000 }), /malformed cumulative/], ['hex cumulative', withAttrs({ cumulative: '0x3e8' }), /malformed cumulative/],
    ['a negative cumulative', withAttrs({ cumulative: '-1' }), /malformed cumulative/], ['a leading zero', withAttrs({ cumulative: '01' }), /malformed cumulative/],
    ['a fractional cumulative', withAttrs({ cumulative: '1.5' }), /malformed cumulative/], ['an empty cumulative', withAttrs({ cumulative: '' }), /malformed cumulative/],
    ['79 digits', withAttrs({ cumulative: '1'.repeat(79) }), /malformed cumulative/], ['above uint256', withAttrs({ cumulative: (1n << 256n).toString() }), /malformed cumulative/],
    ['no proof', withAttrs({ proof: undefined }), /malformed proof/], ['a proof object', withAttrs({ proof: { 0: proof[0], length: 1 } }), /malformed proof/],
    ['65 hashes', withAttrs({ proof: Array.from({ length: 65 }, () => proof[0]) }), /malformed proof/],
    ['a short hash', withAttrs({ proof: ['0xab'] }), /malformed proof/], ['non-hex', withAttrs({ proof: [`0x${'zz'.repeat(32)}`] }), /malformed proof/],
    ['upper-case hex', withAttrs({ proof: [`0x${'AB'.repeat(32)}`] }), /malformed proof/], ['a null hash', withAttrs({ proof: [null] }), /malformed proof/]
  ]
  for (const [name, answer, message] of hostile) t.throws(() => parseAccountAnswer(answer, account, 3), { code: 'BAD_ANSWER', message }, name)
  t.equal(parseAccountAnswer(withAttrs({ proof: Array.from({ length: 64 }, () => proof[0]) }), account, 3).proof.length, 64, '64 hashes')
  const returned = parseAccountAnswer(good, account, 3)
  returned.proof.push('0x')
  t.equal(good.attributes.proof.length, 1, 'the proof is a copy')
})

