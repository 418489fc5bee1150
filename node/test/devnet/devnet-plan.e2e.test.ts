// The devnet's deploy plan on anvil: the RewardsDistributor holds the miners' share of the supply, every
// 30-block epoch may pay the devnet's budget, a root waits 10 blocks, and an epoch nobody anchored stops
// holding the rewards back after 120 blocks (maxJobAgeBlocks), so a newcomer is paid within minutes.
import t from 'tap'
import { Contract, JsonRpcProvider, encodeBytes32String } from 'ethers'
import { deployVirusMap } from '#governance/index.ts'
import { parametersArtifact, rewardsArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { startAnvil } from '../../src/chain/anvil.ts'
import { DEVNET_EPOCH_BLOCKS, DEVNET_MAX_JOB_AGE_BLOCKS, DEVNET_REWARD_BUDGET, DEVNET_REWARDS_CHALLENGE_BLOCKS, DEVNET_REWARDS_POOL, devnetPlan } from '../../src/devnet/devnet-plan.ts'

t.test('a devnet deployment funds the rewards pool and sets a per-epoch budget', async (tt) => {
  const anvil = await startAnvil({ port: 0 })
  tt.teardown(() => anvil.stop())
  const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
  tt.teardown(() => provider.destroy())
  const deployment = await deployVirusMap({ deployer: await provider.getSigner(0), plan: devnetPlan({ commitWindowMs: 3000, revealWindowMs: 10_000 }) })
  const rewards = deployment.contracts.rewards
  tt.ok(rewards, 'a RewardsDistributor is deployed')
  const vmt = new Contract(deployment.contracts.vmt, vmtArtifact.abi, provider)
  tt.equal(await vmt.getFunction('balanceOf')(rewards) as bigint, DEVNET_REWARDS_POOL, 'it holds the pool')
  tt.equal(DEVNET_REWARDS_POOL * 10n / (await vmt.getFunction('totalSupply')() as bigint), 6n, 'most of the supply: 60%')
  const parameters = new Contract(deployment.contracts.parameters as string, parametersArtifact.abi, provider)
  const param = async (name: string): Promise<bigint> => await parameters.getFunction('get')(encodeBytes32String(name)) as bigint
  tt.equal(await param('rewardBudgetPerEpoch'), DEVNET_REWARD_BUDGET)
  tt.equal(await param('maxJobAgeBlocks'), BigInt(DEVNET_MAX_JOB_AGE_BLOCKS))
  tt.equal(await param('epochBlocks'), BigInt(DEVNET_EPOCH_BLOCKS))
  const distributor = new Contract(rewards as string, rewardsArtifact.abi, provider)
  tt.equal(await distributor.getFunction('epochBlocks')() as bigint, BigInt(DEVNET_EPOCH_BLOCKS), 'the distributor follows the anchors\' epochs')
  const [, challengeBlocks] = await distributor.getFunction('settings')() as [bigint, bigint]
  tt.equal(challengeBlocks, BigInt(DEVNET_REWARDS_CHALLENGE_BLOCKS))
})
