// NetworkParameters: initial values from the constructor, owner-only changes, values checkpointed
// by block so a node applies a change to jobs from the block it took effect.
import t from 'tap'
import { Contract, ContractFactory, encodeBytes32String } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import parametersArtifact from '../artifacts/NetworkParameters.json' with { type: 'json' }
import { mineBlocks } from '#governance/anvil-time.ts'
import { revertOf } from './revert.ts'
import { startTestChain } from './test-chain.ts'

const { provider } = await startTestChain(t)
const [owner, stranger] = await Promise.all([0, 1].map(async (i) => await provider.getSigner(i))) as [JsonRpcSigner, JsonRpcSigner]
const k = encodeBytes32String
const factory = new ContractFactory(parametersArtifact.abi, parametersArtifact.bytecode, owner)
const deployed = await factory.deploy(owner.address, [k('commitWindowMs'), k('maxSampleBytes')], [5000n, 1024n])
await deployed.waitForDeployment()
const deployBlock = (await deployed.deploymentTransaction()!.wait())!.blockNumber
const params = new Contract(await deployed.getAddress(), parametersArtifact.abi, owner)
const call = (name: string, ...args: unknown[]): Promise<unknown> => params.getFunction(name)(...args) as Promise<unknown>

t.test('initial values, owner-only changes, checkpointed history', async (tt) => {
  tt.equal(await call('get', k('commitWindowMs')), 5000n)
  tt.same(await call('keys'), [k('commitWindowMs'), k('maxSampleBytes')])
  tt.same(await revertOf(params.interface, call('get', k('nope'))), { name: 'NetworkParametersUnknownKey', args: [k('nope')] })
  tt.same(await revertOf(params.interface, (params.connect(stranger) as Contract).getFunction('set')(k('commitWindowMs'), 1n)),
    { name: 'OwnableUnauthorizedAccount', args: [stranger.address] })
  const changed = (await (await params.getFunction('set')(k('commitWindowMs'), 7000n)).wait()).blockNumber as number
  const added = (await (await params.getFunction('set')(k('rewardBudgetPerEpoch'), 10n ** 21n)).wait()).blockNumber as number
  await mineBlocks(provider, 1)
  tt.equal(await call('getAt', k('commitWindowMs'), changed - 1), 5000n, 'old value before the change block')
  tt.equal(await call('getAt', k('commitWindowMs'), changed), 7000n, 'new value from the change block')
  tt.equal(await call('getAt', k('commitWindowMs'), deployBlock), 5000n)
  tt.equal(await call('getAt', k('rewardBudgetPerEpoch'), added - 1), 0n, 'not yet set')
  tt.equal(await call('get', k('rewardBudgetPerEpoch')), 10n ** 21n, 'governance can add a parameter without a redeploy')
  const events = await params.queryFilter(params.filters.ParameterSet!(k('commitWindowMs')), changed, changed)
  tt.equal(events.length, 1)
  tt.equal((await revertOf(params.interface, call('getAt', k('commitWindowMs'), 10 ** 9))).name, 'PastBlocksFutureLookup')
})
