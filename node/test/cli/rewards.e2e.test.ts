// `virusmap rewards` and `virusmap claim` against a node serving a real computed epoch and a real
// RewardsDistributor on anvil: the epoch summary and an account's amounts (by address or keystore), a
// dry run, a claim that pays exactly and a repeat that pays nothing; a node whose root is not the chain's
// or whose proof does not lead to it exits 3 with nothing sent; bad input exits 1 in one line.
import t from 'tap'
import type { Test } from 'tap'
import { rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { parseEther } from 'ethers'
import { encryptKeystore } from '#governance/index.ts'
import { setBalance } from '#governance/anvil-time.ts'
import { computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, rewardFactsOf } from '#protocol/rewards/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { runCli } from '../../src/cli/run.ts'
import { epochRecordOf } from '../../src/rewards/epoch-record.ts'
import { startApi } from '../fixtures/api-server.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import { head, lower, mined, mineTo, operator, rewardsSignatures, startMarketChain } from '../../../contracts/test/market-chain.ts'

const E = 8
const c = await startMarketChain({ epochBlocks: E, challengeBlocks: 2 })
const members = []
for (let i = 0; i < 4; i++) members.push(await operator(c))
const epoch = Math.floor(await head(c) / E) + 1
await mineTo(c, (epoch + 1) * E)

const params = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionDeposit: 0n }
const reports = await Promise.all([0, 1, 2].map(async (i) => await submittedReport(new TextEncoder().encode(`cli ${i}`), submitterWallet(i % 2), `cli-family-${i}`)))
const result = computeEpochRewards({ epoch, facts: reports.map((r) => rewardFactsOf(r, epoch)), state: { ...INITIAL_REWARDS_STATE, epoch: epoch - 1 }, params })
const record = epochRecordOf(result, { reports: reports.length, budget: params.budget })
const root = { epoch, root: record.root as Hex, total: BigInt(record.total) }
await mined(c.rewards.getFunction('postRoot')(epoch, root.root, root.total, await rewardsSignatures(c, root, members)))
await mineTo(c, await head(c) + 2)

const honest = createMemoryNode()
honest.rewards.set(epoch, record)
// a node that computed another tree for the epoch (one report fewer)
const other = epochRecordOf(computeEpochRewards({ epoch, facts: reports.slice(1).map((r) => rewardFactsOf(r, epoch)), state: { ...INITIAL_REWARDS_STATE, epoch: epoch - 1 }, params }), { reports: 2, budget: params.budget })
const lying = createMemoryNode()
lying.rewards.set(epoch, other)
// a node with the chain's root but another account's proof for ours
const forging = createMemoryNode()
forging.rewards.set(epoch, { ...record, leaves: record.leaves.map(([a, v]) => [a, a === lower(submitterWallet(0).address) ? (BigInt(v) * 2n).toString() : v]) })
const servers = await Promise.all([honest, lying, forging].map(async (n) => await startApi(t, n.ports)))
const [honestApi, lyingApi, forgingApi] = servers.map((s) => s.url)
// a node that answers garbage
const garbage = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"data":{"attributes":{"epoch":"x"}}}') })
await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve))
const garbageApi = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`

const dir = t.testdir()
const PASS = 'rewards pass'
const submitter = submitterWallet(0)
const account = lower(submitter.address)
await writeFile(join(dir, 'submitter.json'), await encryptKeystore(submitter, PASS, { scryptN: 1024 }))
await writeFile(join(dir, 'not-a-keystore.json'), '{"hello":1}')
const contracts = { vmt: lower(await c.vmt.getAddress()), timelock: lower(c.owner.address), governor: lower(c.owner.address), registry: c.registryAddress, rewards: lower(await c.rewards.getAddress()) }
await writeFile(join(dir, 'devnet.json'), JSON.stringify({ chainId: c.chainId, rpcUrl: c.anvil.rpcUrl, deployBlock: 0, contracts, nodes: [{ api: honestApi }] }))
t.teardown(async () => {
  garbage.close()
  await c.stop()
  await rm(dir, { recursive: true, force: true })
})

async function cli (argv: string[], env: Record<string, string> = {}): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } }, signal: AbortSignal.timeout(60_000), env: { VIRUSMAP_KEYSTORE_PASSWORD: PASS, ...env }, cwd: dir })
  return { code, out, err }
}
async function fails (tt: Test, argv: string[], exit: number, pattern: RegExp): Promise<void> {
  const r = await cli(argv)
  tt.equal(r.code, exit, `${argv.join(' ').slice(0, 120)} exits ${exit}: ${r.err}`)
  tt.match(r.err, pattern)
  tt.equal(r.err.trim().split('\n').length, 1, 'one line')
  tt.notOk(r.err.includes('\u001b'), 'no terminal escape')
}
const common = ['--deployment', 'devnet.json']
const balance = async (): Promise<bigint> => await c.vmt.getFunction('balanceOf')(account) as bigint

t.test('virusmap rewards: the epoch, an account by address or keystore', async (tt) => {
  const summary = await cli(['rewards', ...common])
  tt.equal(summary.code, 0, summary.err)
  tt.match(summary.out, `epoch ${epoch} (pays the reports of epoch ${epoch})  root ${record.root}`)
  tt.equal(summary.out.trim().split('\n').length, 2 + 3, 'two summary lines and one per paid report')
  const json = JSON.parse((await cli(['rewards', '--epoch', String(epoch), '--json', ...common])).out) as { attributes: { root: Hex } }
  tt.equal(json.attributes.root, record.root)
  const byAddress = await cli(['rewards', '--address', submitter.address, ...common, '--json'])
  tt.equal(byAddress.code, 0, byAddress.err)
  const mine = JSON.parse(byAddress.out) as { cumulative: string, items: unknown[] }
  tt.equal(mine.cumulative, result.state.cumulative.get(account)?.toString(), 'its cumulative amount')
  tt.equal(mine.items.length, 2, 'its two reports')
  const byKeystore = await cli(['rewards', '--keystore', 'submitter.json', ...common])
  tt.equal(byKeystore.code, 0, byKeystore.err)
  tt.match(byKeystore.out, `${account} at epoch ${epoch}: `)

  await fails(tt, ['rewards', '--epoch', String(epoch + 5), ...common], 2, /has not computed epoch/)
  for (const bad of ['-1', '01', 'x', '9'.repeat(16), '\u001b[31m1']) await fails(tt, ['rewards', `--epoch=${bad}`, ...common], 1, /--epoch must be a non-negative integer or latest/)
  for (const bad of ['0x12', 'zz', `0x${'g'.repeat(40)}`, '\u001b[2J']) await fails(tt, ['rewards', `--address=${bad}`, ...common], 1, /--address must be a 0x address/)
  await fails(tt, ['rewards', '--address', submitter.address, '--keystore', 'submitter.json', ...common], 1, /not both/)
  await fails(tt, ['rewards', '--keystore', 'missing.json', ...common], 1, /cannot read keystore/)
  await fails(tt, ['rewards', '--keystore', 'not-a-keystore.json', ...common], 1, /not a JSON keystore/)
  await fails(tt, ['rewards', 'extra', ...common], 1, /unexpected arguments/)
  await fails(tt, ['rewards', '--address', submitter.address, '--api', garbageApi, ...common], 4, /the rewards answer/)
})

t.test('virusmap claim: checked against the chain, a dry run, a claim that pays, a repeat that pays nothing', async (tt) => {
  await fails(tt, ['claim', '--keystore', 'submitter.json', ...common, '--api', lyingApi as string], 3, /the chain's settled root is/)
  await fails(tt, ['claim', '--keystore', 'submitter.json', ...common, '--api', forgingApi as string], 3, /does not lead to the settled root/)
  await fails(tt, ['claim', '--keystore', 'submitter.json', ...common, '--api', garbageApi], 4, /the rewards answer/)
  tt.equal(await balance(), 0n, 'nothing sent on a lying node\'s word')
  const cumulative = result.state.cumulative.get(account) as bigint

  const dry = await cli(['claim', '--keystore', 'submitter.json', '--dry-run', '--json', ...common])
  tt.equal(dry.code, 0, dry.err)
  tt.match(JSON.parse(dry.out), { account, epoch, cumulative: cumulative.toString(), claimed: '0', claimable: cumulative.toString(), sent: false })
  tt.equal(await balance(), 0n, 'a dry run sends nothing')

  await fails(tt, ['claim', '--keystore', 'submitter.json', ...common], 1, /holds no ETH for the claim's gas: .*virusmap claim --keystore FUNDED --for 0x/)
  await setBalance(c.provider, submitter.address, parseEther('1'))
  // a funded key relays the claim of a wallet that holds no ETH: the VMT goes to that wallet
  const beneficiary = submitterWallet(1)
  const beneficiaryCumulative = result.state.cumulative.get(lower(beneficiary.address)) as bigint
  const relayed = await cli(['claim', '--keystore', 'submitter.json', '--for', beneficiary.address, '--json', ...common])
  tt.equal(relayed.code, 0, relayed.err)
  tt.match(JSON.parse(relayed.out), { account: lower(beneficiary.address), sent: true, paid: beneficiaryCumulative.toString() })
  tt.equal(await c.vmt.getFunction('balanceOf')(beneficiary.address), beneficiaryCumulative, 'the other wallet holds its reward')
  tt.equal(await balance(), 0n, 'the relayer got none of it')
  for (const bad of ['0x12', 'zz', `0x${'g'.repeat(40)}`, '\u001b[2J', 'x'.repeat(10_000)]) await fails(tt, ['claim', '--keystore', 'submitter.json', `--for=${bad}`, ...common], 1, /--for takes a 0x address/)
  const paid = await cli(['claim', '--keystore', 'submitter.json', '--json', ...common])
  tt.equal(paid.code, 0, paid.err)
  tt.match(JSON.parse(paid.out), { sent: true, paid: cumulative.toString() })
  tt.equal(await balance(), cumulative, 'the wallet holds its reward')
  const again = await cli(['claim', '--keystore', 'submitter.json', ...common])
  tt.equal(again.code, 0, again.err)
  tt.match(again.out, /0\.0 VMT claimable/)
  tt.equal(await balance(), cumulative, 'a repeat pays nothing')

  // from a profile (virusmap init --deployment FILE), anywhere: the profile keeps the distributor
  const home = { HOME: join(dir, 'home') }
  const init = await cli(['init', '--api', honestApi as string, '--rpc', c.anvil.rpcUrl, '--deployment', 'devnet.json'], home)
  tt.equal(init.code, 0, init.err)
  const viaProfile = await cli(['claim', '--keystore', 'submitter.json', '--dry-run', '--json'], home)
  tt.equal(viaProfile.code, 0, viaProfile.err)
  tt.match(JSON.parse(viaProfile.out), { claimed: cumulative.toString(), claimable: '0' }, 'the profile names RewardsDistributor')

  await fails(tt, ['claim', ...common], 1, /pass --keystore FILE/)
  await fails(tt, ['claim', '--keystore', 'submitter.json', '--chain-id', '5', ...common], 1, /wrong chain/)
  await writeFile(join(dir, 'old.json'), JSON.stringify({ chainId: c.chainId, rpcUrl: c.anvil.rpcUrl, contracts: { ...contracts, rewards: undefined }, nodes: [{ api: honestApi }] }))
  await fails(tt, ['claim', '--keystore', 'submitter.json', '--deployment', 'old.json'], 1, /names no RewardsDistributor/)
  await fails(tt, ['claim', '--keystore', 'submitter.json', 'extra', ...common], 1, /unexpected arguments/)
})
