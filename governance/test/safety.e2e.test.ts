// Governance safety on anvil: voting power is the snapshot's, `#proposer=` descriptions cannot
// be front-run, only the timelock changes membership and parameters, the timelock delay holds,
// and a lapsed term ends a membership with no proposal.
import t from 'tap'
import { Contract, encodeBytes32String, id, parseEther } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import { blockNumber, increaseTime, mineBlocks, setBalance } from '../src/anvil-time.ts'
import { revertOf } from '../../contracts/test/revert.ts'
import { anchorsArtifact, evidenceArtifact, governorArtifact, parametersArtifact, registryArtifact, timelockArtifact, vmtArtifact } from '../src/artifacts.ts'
import { deployVirusMap } from '../src/deploy.ts'
import { proposeAndExecute } from '../src/elect.ts'
import { membershipActions, setParamActions, withProposerSuffix } from '../src/gov.ts'
import { registerCandidate } from '../src/register.ts'
import type { Hex } from '#protocol/messages.ts'
import { startTestChain } from '../../contracts/test/test-chain.ts'

const { provider } = await startTestChain(t)
const signers = await Promise.all([...Array(10).keys()].map(async (i) => await provider.getSigner(i)))
const [deployer, alice, bob, mallory, buyer, op1, op2] = signers as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner]
const DELAY = 3600n
const VOTING_DELAY = 3

const deployment = await deployVirusMap({
  deployer,
  plan: {
    tokenSupply: parseEther('1000000'),
    votingDelay: VOTING_DELAY,
    votingPeriod: 20,
    proposalThreshold: 0n,
    quorumNumerator: 4,
    timelockMinDelay: Number(DELAY),
    holders: [
      { address: alice.address, amount: parseEther('100000') },
      { address: bob.address, amount: parseEther('100000') },
      { address: mallory.address, amount: parseEther('100000') }
    ]
  }
})
const { contracts } = deployment
const governor = new Contract(contracts.governor, governorArtifact.abi, provider)
const registry = new Contract(contracts.registry, registryArtifact.abi, provider)
const timelock = new Contract(contracts.timelock, timelockArtifact.abi, provider)
const vmt = new Contract(contracts.vmt, vmtArtifact.abi, provider)
const as = (c: Contract, s: JsonRpcSigner): Contract => c.connect(s) as Contract
const wait = async (pending: Promise<{ wait(): Promise<unknown> }>): Promise<{ blockNumber: number, logs: Array<{ topics: string[], data: string }> }> =>
  await (await pending).wait() as { blockNumber: number, logs: Array<{ topics: string[], data: string }> }

for (const s of [alice, bob, mallory]) await wait(as(vmt, s).getFunction('delegate')(s.address))
for (const [i, op] of [op1, op2].entries()) {
  await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3KooWSafety${i}`, x25519Key: `0x${'ab'.repeat(31)}0${i + 1}` as Hex })
}
await mineBlocks(provider, 1)

/** Proposes as `proposer` and returns the id and snapshot block. */
async function proposeAdmit (proposer: JsonRpcSigner, operator: string, description: string): Promise<{ id: bigint, snapshot: bigint }> {
  const a = membershipActions(contracts.registry, 'admit', [operator])
  await wait(as(governor, proposer).getFunction('propose')(a.targets, a.values, a.calldatas, description))
  const pid = await governor.getFunction('hashProposal')(a.targets, a.values, a.calldatas, id(description)) as bigint
  return { id: pid, snapshot: await governor.getFunction('proposalSnapshot')(pid) as bigint }
}

async function voteWeight (voter: JsonRpcSigner, pid: bigint, support = 1): Promise<bigint> {
  const receipt = await wait(as(governor, voter).getFunction('castVote')(pid, support))
  const log = receipt.logs.map((l) => governor.interface.parseLog(l)).find((l) => l?.name === 'VoteCast')
  return log?.args.weight as bigint
}

t.test('voting power is the snapshot\'s: tokens bought after it do not count', async (tt) => {
  const { id: pid, snapshot } = await proposeAdmit(alice, op1.address, 'Admit op1 (snapshot safety)')
  tt.equal(snapshot, BigInt(await blockNumber(provider)) + BigInt(VOTING_DELAY), 'snapshot = proposal block + voting delay')
  // The buyer delegates to itself first; then it "buys" 40000 VMT from bob at the snapshot block
  // itself (counts: checkpoints up to and including the snapshot) and 60000 more one block later.
  await wait(as(vmt, buyer).getFunction('delegate')(buyer.address))
  await mineBlocks(provider, snapshot - 1n - BigInt(await blockNumber(provider)))
  const atSnapshot = await wait(as(vmt, bob).getFunction('transfer')(buyer.address, parseEther('40000')))
  tt.equal(BigInt(atSnapshot.blockNumber), snapshot, 'first purchase lands in the snapshot block')
  const after = await wait(as(vmt, bob).getFunction('transfer')(buyer.address, parseEther('60000')))
  tt.equal(BigInt(after.blockNumber), snapshot + 1n, 'second purchase one block after the snapshot')
  tt.equal(await vmt.getFunction('getVotes')(buyer.address), parseEther('100000'), 'the buyer holds 100000 votes now')

  tt.equal(await voteWeight(buyer, pid), parseEther('40000'), 'only the tokens held at the snapshot vote')
  tt.equal(await voteWeight(bob, pid), parseEther('60000'), 'the seller votes with what he held at the snapshot: the 40000 sold went with it, the 60000 sold later stay his')
  // A "borrowed" balance (received and handed back within the vote) adds nothing either.
  await wait(as(vmt, alice).getFunction('transfer')(mallory.address, parseEther('100000')))
  tt.equal(await voteWeight(mallory, pid, 0), parseEther('100000'), 'mallory votes with her own snapshot balance only')
  await wait(as(vmt, mallory).getFunction('transfer')(alice.address, parseEther('100000')))
  tt.equal(await voteWeight(alice, pid), parseEther('100000'))
  const [against, forVotes] = await governor.getFunction('proposalVotes')(pid) as [bigint, bigint, bigint]
  tt.equal(forVotes, parseEther('200000'), 'buyer + seller together count bob\'s original 100000 once, plus alice')
  tt.equal(against, parseEther('100000'))
  const r = await revertOf(governor.interface, as(governor, buyer).getFunction('castVote')(pid, 1))
  tt.equal(r.name, 'GovernorAlreadyCastVote', 'no second vote')
})

t.test('a #proposer= description cannot be front-run', async (tt) => {
  const a = membershipActions(contracts.registry, 'admit', [op2.address])
  const description = withProposerSuffix('Admit op2', alice.address)
  tt.match(description, new RegExp(`#proposer=${alice.address.toLowerCase()}$`))
  // Mallory copies alice's pending transaction from the mempool and sends it first.
  const r = await revertOf(governor.interface, as(governor, mallory).getFunction('propose')(a.targets, a.values, a.calldatas, description))
  tt.same(r, { name: 'GovernorRestrictedProposer', args: [mallory.address] })
  await wait(as(governor, alice).getFunction('propose')(a.targets, a.values, a.calldatas, description))
  const pid = await governor.getFunction('hashProposal')(a.targets, a.values, a.calldatas, id(description)) as bigint
  tt.equal((await governor.getFunction('proposalProposer')(pid) as string), alice.address, 'alice owns her proposal (and alone may cancel it)')

  // Without the suffix the copy wins: the same id exists, mallory is its proposer and can cancel it.
  const plain = 'Admit op2 (no suffix)'
  await wait(as(governor, mallory).getFunction('propose')(a.targets, a.values, a.calldatas, plain))
  const stolen = await revertOf(governor.interface, as(governor, alice).getFunction('propose')(a.targets, a.values, a.calldatas, plain))
  tt.equal(stolen.name, 'GovernorUnexpectedProposalState', 'alice cannot make her own proposal any more')
  const plainId = await governor.getFunction('hashProposal')(a.targets, a.values, a.calldatas, id(plain)) as bigint
  await wait(as(governor, mallory).getFunction('cancel')(a.targets, a.values, a.calldatas, id(plain)))
  tt.equal(await governor.getFunction('state')(plainId), 2n, 'the front-runner canceled it')
})

t.test('only the timelock changes membership', async (tt) => {
  tt.equal((await registry.getFunction('owner')() as string).toLowerCase(), contracts.timelock)
  // Every other account, including the governor itself, is refused.
  await provider.send('anvil_impersonateAccount', [contracts.governor])
  await setBalance(provider, contracts.governor, parseEther('1'))
  const governorSigner = await provider.getSigner(contracts.governor)
  for (const s of [deployer, alice, op1, governorSigner]) {
    for (const fn of ['admit', 'remove'] as const) {
      const r = await revertOf(registry.interface, as(registry, s).getFunction(fn)(op1.address))
      tt.same(r, { name: 'OwnableUnauthorizedAccount', args: [s.address] }, `${fn} by ${s.address}`)
    }
    const r = await revertOf(registry.interface, as(registry, s).getFunction('transferOwnership')(s.address))
    tt.equal(r.name, 'OwnableUnauthorizedAccount', 'nobody takes the registry over')
  }
  await provider.send('anvil_stopImpersonatingAccount', [contracts.governor])
  // Nor can anyone schedule on the timelock directly: only the governor proposes.
  const call = registry.interface.encodeFunctionData('admit', [op1.address])
  const r = await revertOf(timelock.interface, as(timelock, alice).getFunction('schedule')(contracts.registry, 0n, call, `0x${'00'.repeat(32)}`, `0x${'00'.repeat(32)}`, DELAY))
  tt.equal(r.name, 'AccessControlUnauthorizedAccount')
  tt.equal(await registry.getFunction('isMember')(op1.address), false)
})

t.test('the timelock delay is enforced', async (tt) => {
  const description = withProposerSuffix('Admit op1 (delay safety)', alice.address)
  const { id: pid, snapshot } = await proposeAdmit(alice, op1.address, description)
  await mineBlocks(provider, snapshot + 1n - BigInt(await blockNumber(provider)))
  for (const s of [alice, bob]) await wait(as(governor, s).getFunction('castVote')(pid, 1))
  const deadline = await governor.getFunction('proposalDeadline')(pid) as bigint
  await mineBlocks(provider, deadline + 1n - BigInt(await blockNumber(provider)))
  const a = membershipActions(contracts.registry, 'admit', [op1.address])
  const args = [a.targets, a.values, a.calldatas, id(description)] as const
  const early = await revertOf(governor.interface, as(governor, bob).getFunction('execute')(...args))
  tt.equal(early.name, 'GovernorUnexpectedProposalState', 'not executable before queueing')
  await wait(as(governor, bob).getFunction('queue')(...args))
  const eta = await governor.getFunction('proposalEta')(pid) as bigint
  const queuedAt = BigInt((await provider.getBlock('latest'))!.timestamp)
  tt.equal(eta, queuedAt + DELAY, 'eta = queue time + minDelay')

  // Right after queueing, and still 30 s short of the delay: the timelock refuses (operation not Ready).
  const now = await revertOf(timelock.interface, as(governor, bob).getFunction('execute')(...args))
  tt.equal(now.name, 'TimelockUnexpectedOperationState')
  await increaseTime(provider, DELAY - 30n)
  tt.ok(BigInt((await provider.getBlock('latest'))!.timestamp) < eta, 'the chain is still before eta')
  const tooSoon = await revertOf(timelock.interface, as(governor, bob).getFunction('execute')(...args))
  tt.equal(tooSoon.name, 'TimelockUnexpectedOperationState')
  tt.equal(await registry.getFunction('isMember')(op1.address), false)
  // Shortening the delay is itself a timelock-only operation.
  const upd = await revertOf(timelock.interface, as(timelock, alice).getFunction('updateDelay')(0n))
  tt.same(upd, { name: 'TimelockUnauthorizedCaller', args: [alice.address] })

  await increaseTime(provider, 31)
  const done = await wait(as(governor, bob).getFunction('execute')(...args))
  tt.ok(BigInt((await provider.getBlock(done.blockNumber))!.timestamp) >= eta, 'executed at or after eta')
  tt.equal(await registry.getFunction('isMember')(op1.address), true)
  tt.equal(await governor.getFunction('state')(pid), 7n, 'Executed')
})

t.test('only the timelock changes parameters', async (tt) => {
  const parameters = new Contract(contracts.parameters!, parametersArtifact.abi, provider)
  tt.equal((await parameters.getFunction('owner')() as string).toLowerCase(), contracts.timelock)
  const evidence = new Contract(contracts.evidence!, evidenceArtifact.abi, provider)
  tt.equal((await evidence.getFunction('owner')() as string).toLowerCase(), contracts.timelock, 'the timelock sets the reporter share')
  tt.equal((await registry.getFunction('evidenceVerifier')() as string).toLowerCase(), contracts.evidence, 'the registry trusts the deployed evidence contract')
  tt.equal((await evidence.getFunction('registry')() as string).toLowerCase(), contracts.registry)
  tt.equal((await revertOf(evidence.interface, as(evidence, deployer).getFunction('setReporterShare')(10_000n))).name, 'OwnableUnauthorizedAccount', 'the deployer kept no power')
  const anchors = new Contract(contracts.anchors!, anchorsArtifact.abi, provider)
  tt.same([(await anchors.getFunction('registry')() as string).toLowerCase(), (await anchors.getFunction('parameters')() as string).toLowerCase()], [contracts.registry, contracts.parameters],
    'ReportAnchors counts the registry\'s members and reads the quorum divisor from the parameters')
  tt.equal(await anchors.getFunction('epochBlocks')(), await parameters.getFunction('get')(encodeBytes32String('epochBlocks')), 'with the deployment\'s epochBlocks, kept; it has no owner')
  const key = encodeBytes32String('commitWindowMs')
  for (const s of [deployer, alice]) {
    tt.same(await revertOf(parameters.interface, as(parameters, s).getFunction('set')(key, 1n)), { name: 'OwnableUnauthorizedAccount', args: [s.address] })
    for (const [fn, args] of [['setTermBlocks', [1]], ['setMaxMembers', [1]], ['setCandidateBond', [contracts.vmt, 1n]], ['slashBond', [op1.address, id('evidence')]], ['setUnbondingBlocks', [1]], ['setEvidenceVerifier', [op1.address]]] as const) {
      tt.equal((await revertOf(registry.interface, as(registry, s).getFunction(fn)(...args))).name, 'OwnableUnauthorizedAccount', `${fn} by ${s.address}`)
    }
  }
  tt.equal(await parameters.getFunction('get')(key), 5000n, 'unchanged')
})

t.test('a lapsed term removes a member without a proposal', async (tt) => {
  // Governance sets a 30-block term, then re-elects op1 under it; nobody acts afterwards.
  const flow = { governor: contracts.governor, timelock: contracts.timelock, provider, proposer: alice, voters: [alice, bob] }
  await proposeAndExecute({ ...flow, ...setParamActions(contracts, 'termBlocks', 30n), description: withProposerSuffix('30-block terms', alice.address) })
  tt.equal(await registry.getFunction('termBlocks')(), 30n)
  const { executionBlock } = await proposeAndExecute({ ...flow, ...membershipActions(contracts.registry, 'admit', [op1.address]), description: withProposerSuffix('Re-elect op1 for a term', alice.address) })
  tt.equal(await registry.getFunction('termEnd')(op1.address), BigInt(executionBlock + 30), 'the re-election starts a 30-block term')
  await mineBlocks(provider, 31)
  tt.equal(await registry.getFunction('isMember')(op1.address), false, 'lapsed')
  tt.equal(await registry.getFunction('isMemberAt')(op1.address, executionBlock + 29), true, 'a member through the term\'s last block')
  tt.equal(await registry.getFunction('isMemberAt')(op1.address, executionBlock + 30), false, 'not from its end block, with no transaction')
  tt.notOk((await registry.getFunction('membersAt')(executionBlock + 30) as string[]).includes(op1.address))
})
