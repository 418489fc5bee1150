import t from 'tap'
import { Contract, JsonRpcProvider, ZeroAddress, hexlify, id, parseEther, randomBytes } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import { startAnvil } from '../../node/src/chain/anvil.ts'
import { blockNumber, mineBlocks } from '../src/anvil-time.ts'
import { revertOf } from '../../contracts/test/revert.ts'
import { governorArtifact, registryArtifact, timelockArtifact, vmtArtifact } from '../src/artifacts.ts'
import { deployVirusMap } from '../src/deploy.ts'
import { electMembers, proposeAndExecute, removeMembers } from '../src/elect.ts'
import { registerCandidate } from '../src/register.ts'
import type { Hex } from '#protocol/messages.ts'

const anvil = await startAnvil({ port: 0 })
t.teardown(() => anvil.stop())
// cacheTimeout -1: ethers otherwise answers repeated identical requests (even eth_estimateGas) from a cache.
const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
t.teardown(() => provider.destroy())
const signers = await Promise.all([...Array(10).keys()].map(async (i) => await provider.getSigner(i)))
const [deployer, alice, bob, carol, op1, op2, op3] = signers
const addr = async (s: JsonRpcSigner): Promise<string> => await s.getAddress()

const deployment = await deployVirusMap({
  deployer: deployer!,
  plan: {
    tokenSupply: parseEther('1000000'),
    votingDelay: 2,
    votingPeriod: 10,
    proposalThreshold: 0n,
    quorumNumerator: 4,
    timelockMinDelay: 3600,
    holders: [
      { address: await addr(alice!), amount: parseEther('100000') },
      { address: await addr(bob!), amount: parseEther('50000') },
      { address: await addr(carol!), amount: parseEther('100') }
    ]
  }
})
const { contracts } = deployment
const registry = new Contract(contracts.registry, registryArtifact.abi, provider)
const governor = new Contract(contracts.governor, governorArtifact.abi, provider)
const timelock = new Contract(contracts.timelock, timelockArtifact.abi, provider)
const vmt = new Contract(contracts.vmt, vmtArtifact.abi, provider)
const flow = { governor: contracts.governor, timelock: contracts.timelock, registry: contracts.registry, provider, proposer: alice!, voters: [alice!, bob!] }
const operators = await Promise.all([op1!, op2!, op3!].map(addr))

t.test('deployment wires the timelock to the governor and drops the deployer', async (tt) => {
  tt.equal(deployment.chainId, anvil.chainId)
  tt.ok(deployment.deployBlock > 0)
  tt.match(contracts.registry, /^0x[0-9a-f]{40}$/, 'lowercase addresses')
  tt.equal((await registry.getFunction('owner')() as string).toLowerCase(), contracts.timelock)
  const role = async (name: string): Promise<string> => await timelock.getFunction(name)() as string
  tt.equal(await timelock.getFunction('hasRole')(await role('PROPOSER_ROLE'), contracts.governor), true)
  tt.equal(await timelock.getFunction('hasRole')(await role('CANCELLER_ROLE'), contracts.governor), true)
  tt.equal(await timelock.getFunction('hasRole')(await role('EXECUTOR_ROLE'), ZeroAddress), true, 'anyone may execute')
  tt.equal(await timelock.getFunction('hasRole')(await role('DEFAULT_ADMIN_ROLE'), await addr(deployer!)), false, 'admin renounced')
  tt.equal(await vmt.getFunction('totalSupply')(), parseEther('1000000'))
  tt.equal(await vmt.getFunction('balanceOf')(await addr(alice!)), parseEther('100000'))
  tt.equal(await vmt.getFunction('name')(), 'VirusMap Token')
  tt.equal(await vmt.getFunction('symbol')(), 'VMT')
})

t.test('candidates register, and only the timelock can admit', async (tt) => {
  for (const [i, op] of [op1!, op2!, op3!].entries()) {
    await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3KooWPeer${i}`, x25519Key: hexlify(randomBytes(32)) as Hex })
  }
  for (const signer of [deployer!, alice!]) {
    const r = await revertOf(registry.interface, (registry.connect(signer) as Contract).getFunction('admit')(operators[0]))
    tt.same(r, { name: 'OwnableUnauthorizedAccount', args: [await addr(signer)] })
  }
})

let electedAt = 0
t.test('a full election admits members through propose, vote, queue and execute', async (tt) => {
  const { executionBlock, proposalId } = await electMembers({ ...flow, operators: operators.slice(0, 2) })
  tt.equal(await governor.getFunction('state')(proposalId), 7n, 'Executed')
  electedAt = executionBlock
  await mineBlocks(provider, 1)
  for (const op of operators.slice(0, 2)) {
    tt.equal(await registry.getFunction('isMember')(op), true)
    tt.equal(await registry.getFunction('isMemberAt')(op, executionBlock), true, 'member from the execution block')
    tt.equal(await registry.getFunction('isMemberAt')(op, executionBlock - 1), false, 'not before it')
    tt.equal(await registry.getFunction('isMemberAt')(op, deployment.deployBlock), false)
  }
  tt.same(await registry.getFunction('membersAt')(executionBlock), operators.slice(0, 2))
  tt.same(await registry.getFunction('membersAt')(executionBlock - 1), [])
})

t.test('removal is checkpointed: history before it is kept', async (tt) => {
  const { executionBlock } = await removeMembers({ ...flow, operators: [operators[0]!] })
  await mineBlocks(provider, 1)
  tt.equal(await registry.getFunction('isMember')(operators[0]), false)
  tt.same(await registry.getFunction('membersAt')(executionBlock), [operators[1]])
  tt.same(await registry.getFunction('membersAt')(executionBlock - 1), operators.slice(0, 2))
  tt.equal(await registry.getFunction('isMemberAt')(operators[0], electedAt), true)
  tt.same(await registry.getFunction('members')(), [operators[1]])
})

t.test('tokens moved after the snapshot do not vote again', async (tt) => {
  // Bob delegated during the election; Dave is a fresh account that delegates before the proposal.
  const dave = signers[7]!
  await (await (vmt.connect(dave) as Contract).getFunction('delegate')(await addr(dave))).wait()
  const calldata = registry.interface.encodeFunctionData('admit', [operators[2]])
  const description = 'Admit op3 (snapshot test)'
  await (await (governor.connect(alice!) as Contract).getFunction('propose')([contracts.registry], [0n], [calldata], description)).wait()
  const proposalId = await governor.getFunction('hashProposal')([contracts.registry], [0n], [calldata], id(description)) as bigint
  const snapshot = await governor.getFunction('proposalSnapshot')(proposalId) as bigint
  await mineBlocks(provider, snapshot + 1n - BigInt(await blockNumber(provider)))

  // After the snapshot Bob hands all his tokens to Dave.
  const bobBalance = await vmt.getFunction('balanceOf')(await addr(bob!)) as bigint
  await (await (vmt.connect(bob!) as Contract).getFunction('transfer')(await addr(dave), bobBalance)).wait()
  tt.equal(await vmt.getFunction('getVotes')(await addr(dave)), bobBalance, 'Dave holds the votes now')

  const weightOf = async (voter: JsonRpcSigner): Promise<bigint> => {
    const receipt = await (await (governor.connect(voter) as Contract).getFunction('castVote')(proposalId, 0)).wait()
    const log = receipt.logs.map((l: { topics: string[], data: string }) => governor.interface.parseLog(l)).find((l: { name: string } | null) => l?.name === 'VoteCast')
    return log.args.weight as bigint
  }
  tt.equal(await weightOf(dave), 0n, 'recipient has no weight at the snapshot')
  tt.equal(await weightOf(bob!), bobBalance, 'sender votes with his weight at the snapshot')
  const [against, forVotes] = await governor.getFunction('proposalVotes')(proposalId) as [bigint, bigint, bigint]
  tt.equal(against, bobBalance)
  tt.equal(forVotes, 0n)
})

t.test('a vote without quorum is not executed', async (tt) => {
  // Carol alone holds 100 VMT, far below 4% of the supply.
  const rejected = proposeAndExecute({
    ...flow,
    proposer: carol!,
    voters: [carol!],
    targets: [contracts.registry],
    values: [0n],
    calldatas: [registry.interface.encodeFunctionData('admit', [operators[2]])],
    description: 'Admit op3 without quorum'
  })
  await tt.rejects(rejected, { name: 'GovernanceError', code: 'PROPOSAL_NOT_SUCCEEDED' })
  tt.equal(await registry.getFunction('isMember')(operators[2]), false)
})
