// Reward parameters and stakes from the chain (SPEC 17), on anvil with the whole deployment: a Governor
// proposal the Timelock executes lowers the wallet cap from its block on, and two members, each following
// the chain with its own registry follower, compute byte-identical epochs before and after it; a wallet's
// VMT votes at the epoch's end block raise its cap by walletCapStakeBps.
import tap from 'tap'
import pino from 'pino'
import { Contract, encodeBytes32String, JsonRpcProvider, parseEther } from 'ethers'
import { deployVirusMap, proposeAndExecute } from '#governance/index.ts'
import { vmtArtifact } from '#governance/artifacts.ts'
import { mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { DEFAULT_REWARD_PARAMS, REWARD_PARAMETER_KEYS } from '#protocol/rewards/index.ts'
import { startAnvil } from '../../src/chain/anvil.ts'
import { parametersInterface } from '../../src/chain/registry-abi.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createRewardsChain } from '../../src/rewards/rewards-chain.ts'
import { createRewardsService } from '../../src/rewards/rewards-service.ts'
import { createStakeChain } from '../../src/rewards/stake-chain.ts'
import { createMemoryGossipBus } from '../fixtures/memory-network.ts'
import { recordAnchored, submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Repositories } from '../../src/db/index.ts'

const E = 10
const VMT = 10n ** 18n
const anvil = await startAnvil({ port: 0 })
tap.teardown(() => anvil.stop())
const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
tap.teardown(() => provider.destroy())
const deployer = await provider.getSigner(0)
const deployment = await deployVirusMap({
  deployer,
  plan: {
    tokenSupply: parseEther('1000000'), votingDelay: 1, votingPeriod: 5, proposalThreshold: 0n, quorumNumerator: 4, timelockMinDelay: 60,
    // no submission deposit (rule 0 has its own tests): this one is about the caps governance changes
    rewardsPool: parseEther('100000'), parameters: { epochBlocks: BigInt(E), maxJobAgeBlocks: 16n, rewardBudgetPerEpoch: parseEther('10000'), [REWARD_PARAMETER_KEYS.submissionDeposit]: 0n }
  }
})
const { contracts } = deployment
const parameters = contracts.parameters as Hex
const gov = { governor: contracts.governor, timelock: contracts.timelock, registry: contracts.registry, proposer: deployer, voters: [deployer], provider }
const lower = (a: string): Hex => a.toLowerCase() as Hex
const head = async (): Promise<number> => await provider.getBlockNumber()
const mineTo = async (n: number): Promise<void> => { const h = await head(); if (n > h) await mineBlocks(provider, n - h) }

// wallet 1 holds and delegates 30 VMT (its stake); wallet 0 holds none
const [plain, staked] = [submitterWallet(0), submitterWallet(1).connect(provider)]
const vmt = new Contract(contracts.vmt, vmtArtifact.abi, deployer)
await (await vmt.getFunction('transfer')(staked.address, 30n * VMT)).wait()
await setBalance(provider, staked.address, parseEther('1'))
await (await (vmt.connect(staked) as Contract).getFunction('delegate')(staked.address)).wait()

const a = Math.floor(await head() / E) + 1
await mineTo((a + 1) * E + 1)
// after epoch a's end block: the wallet cap becomes 50 VMT + 100% of the stake
const { executionBlock } = await proposeAndExecute({
  ...gov,
  targets: [parameters, parameters],
  values: [0n, 0n],
  calldatas: [
    parametersInterface.encodeFunctionData('set', [encodeBytes32String(REWARD_PARAMETER_KEYS.walletCapBase), 50n * VMT]),
    parametersInterface.encodeFunctionData('set', [encodeBytes32String(REWARD_PARAMETER_KEYS.walletCapStakeBps), 10_000n])
  ],
  description: 'a lower wallet cap, staked wallets more'
})
const b = Math.floor(executionBlock / E) + 1
await mineTo((b + 1) * E + 4)

const report = async (i: number, wallet: typeof plain): Promise<Awaited<ReturnType<typeof submittedReport>>> =>
  await submittedReport(new TextEncoder().encode(`governed sample ${i}`), wallet, `governed-family-${i}`)
const inA = [await report(0, plain), await report(1, staked)]
const inB = [await report(2, plain), await report(3, staked)]

tap.test('a governance change applies from its block, to every member alike; stake raises the cap', async (t) => {
  t.ok(executionBlock > (a + 1) * E - 1, 'the proposal executed after epoch a ended')
  const bus = createMemoryGossipBus()
  const stores: Repositories[] = []
  for (let i = 0; i < 2; i++) {
    const db = await openDatabase({ path: t.testdir() + `/member-${i}` })
    t.teardown(async () => { await db.close() })
    const repos = createRepositories(db)
    for (const r of [...inA, ...inB]) await repos.reports.put(r)
    await recordAnchored(repos.anchors, a, inA, a * E + 2)
    await recordAnchored(repos.anchors, b, inB, b * E + 2)
    const follower = createRegistryFollower({ provider, registry: contracts.registry, parameters, fromBlock: deployment.deployBlock, confirmations: 2, pollIntervalMs: 100, logger: pino({ level: 'silent' }) })
    await follower.start()
    t.teardown(() => follower.stop())
    await repos.anchors.setEventsReadTo(follower.followedBlock)
    const gossip = bus.join()
    await gossip.start()
    const service = createRewardsService({ chainId: deployment.chainId, registry: contracts.registry, postTurnMs: 60_000, pollIntervalMs: 60_000, params: { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0 } }, {
      self: lower(staked.address), // a non-member: it computes, never signs
      operator: staked,
      chain: createRewardsChain({ provider, address: contracts.rewards as Hex }),
      stakes: createStakeChain({ provider, vmt: contracts.vmt }),
      follower, gossip, repos, logger: pino({ level: process.env.REWARDS_TEST_LOG ?? 'silent' })
    })
    await service.start()
    t.teardown(() => service.stop())
    for (let k = 0; k < 10 && await repos.rewards.epoch(b) === undefined; k++) await service.tick()
    stores.push(repos)
  }
  const [one, two] = await Promise.all([a, b].map(async (e) => await Promise.all(stores.map(async (s) => await s.rewards.epoch(e)))))
  const [a0, a1] = one as NonNullable<Awaited<ReturnType<Repositories['rewards']['epoch']>>>[]
  const [b0, b1] = two as NonNullable<Awaited<ReturnType<Repositories['rewards']['epoch']>>>[]
  t.ok(a0 !== undefined && b0 !== undefined, 'both epochs computed')
  t.equal(JSON.stringify(a0), JSON.stringify(a1), 'epoch a: both members stored the same bytes')
  t.equal(JSON.stringify(b0), JSON.stringify(b1), 'epoch b: both members stored the same bytes')
  t.same(JSON.stringify(await stores[0]?.rewards.latestState()), JSON.stringify(await stores[1]?.rewards.latestState()), 'and the same state')
  const [p, s] = [lower(plain.address), lower(staked.address)]
  t.same([a0?.amounts[p], a0?.amounts[s]], [(100n * VMT).toString(), (100n * VMT).toString()], 'before: the deployed cap (1,000 VMT) does not bind')
  t.same([b0?.amounts[p], b0?.amounts[s]], [(50n * VMT).toString(), (80n * VMT).toString()], 'after: 50 VMT, and 50 + 30 staked for the staking wallet')
  t.not(a0?.root, b0?.root)
})
