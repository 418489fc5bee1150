// SupernodeRegistry candidate bond (VMT, set by governance): register pulls it, admission needs
// it in full, a non-member withdraws it after the unbonding delay, governance may slash it to the
// treasury naming its evidence, also while it unbonds.
import t from 'tap'
import { Contract, ContractFactory, ZeroAddress, ZeroHash, hexlify, id, parseEther, randomBytes } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import registryArtifact from '../artifacts/SupernodeRegistry.json' with { type: 'json' }
import vmtArtifact from '../artifacts/VMT.json' with { type: 'json' }
import { blockNumber, mineBlocks } from '#governance/anvil-time.ts'
import { revertOf } from './revert.ts'
import { startTestChain } from './test-chain.ts'

const { provider } = await startTestChain(t)
const [owner, opA, opB] = await Promise.all([0, 1, 2].map(async (i) => await provider.getSigner(i))) as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner]

async function deploy (artifact: { abi: unknown[], bytecode: string }, args: unknown[]): Promise<Contract> {
  const c = await new ContractFactory(artifact.abi as never, artifact.bytecode, owner).deploy(...args)
  await c.waitForDeployment()
  return new Contract(await c.getAddress(), artifact.abi as never, owner)
}
const vmt = await deploy(vmtArtifact, [owner.address, parseEther('1000')])
const registry = await deploy(registryArtifact, [owner.address])
const regAs = (s: JsonRpcSigner): Contract => registry.connect(s) as Contract
const vmtAs = (s: JsonRpcSigner): Contract => vmt.connect(s) as Contract
const ok = async (pending: Promise<{ wait(): Promise<unknown> }>): Promise<void> => { await (await pending).wait() }
const balance = async (a: string): Promise<bigint> => await vmt.getFunction('balanceOf')(a) as bigint
const BOND = parseEther('100')
for (const s of [opA, opB]) await ok(vmt.getFunction('transfer')(s.address, parseEther('150')))
const register = (s: JsonRpcSigner): Promise<{ wait(): Promise<unknown> }> => regAs(s).getFunction('register')('12D3KooWBond', hexlify(randomBytes(32)), '')

t.test('only governance sets the bond, in a real token', async (tt) => {
  tt.equal((await revertOf(registry.interface, regAs(opA).getFunction('setCandidateBond')(await vmt.getAddress(), BOND))).name, 'OwnableUnauthorizedAccount')
  tt.equal((await revertOf(registry.interface, registry.getFunction('setCandidateBond')(ZeroAddress, BOND))).name, 'SupernodeRegistryInvalidBondToken')
  await ok(registry.getFunction('setCandidateBond')(await vmt.getAddress(), BOND))
  tt.equal(await registry.getFunction('candidateBond')(), BOND)
})

t.test('register pulls the bond; admission needs it', async (tt) => {
  const r = await revertOf(vmt.interface, register(opA))
  tt.equal(r.name, 'ERC20InsufficientAllowance', 'no approval, no registration')
  await ok(vmtAs(opA).getFunction('approve')(await registry.getAddress(), BOND))
  await ok(register(opA))
  tt.equal(await registry.getFunction('bondOf')(opA.address), BOND)
  tt.equal(await balance(opA.address), parseEther('50'))
  await ok(register(opA))
  tt.equal(await balance(opA.address), parseEther('50'), 'updating the record does not charge twice')
  await ok(registry.getFunction('admit')(opA.address))

  // The bond rises: opB registered before it, so must top up before admission.
  await ok(registry.getFunction('setCandidateBond')(await vmt.getAddress(), 0n))
  await ok(register(opB))
  await ok(registry.getFunction('setCandidateBond')(await vmt.getAddress(), BOND))
  tt.same(await revertOf(registry.interface, registry.getFunction('admit')(opB.address)), { name: 'SupernodeRegistryBondTooLow', args: [opB.address, 0n, BOND] })
  await ok(vmtAs(opB).getFunction('approve')(await registry.getAddress(), BOND))
  await ok(register(opB))
  await ok(registry.getFunction('admit')(opB.address))
  tt.equal(await registry.getFunction('totalBonded')(), 2n * BOND)
  tt.equal((await revertOf(registry.interface, registry.getFunction('setCandidateBond')(owner.address, BOND))).name, 'SupernodeRegistryBondsOutstanding', 'no token swap under held bonds')
})

t.test('members cannot withdraw; a resigned member only after the unbonding delay; governance can slash during it', async (tt) => {
  tt.same(await revertOf(registry.interface, regAs(opA).getFunction('withdrawBond')()), { name: 'SupernodeRegistryStillMember', args: [opA.address] })
  tt.equal((await revertOf(registry.interface, regAs(opA).getFunction('setUnbondingBlocks')(5))).name, 'OwnableUnauthorizedAccount')
  await ok(registry.getFunction('setUnbondingBlocks')(5))
  const resigned = await (await regAs(opA).getFunction('resign')() as { wait(): Promise<{ blockNumber: number }> }).wait()
  const unlock = BigInt(resigned.blockNumber + 5)
  tt.equal(await registry.getFunction('bondUnlockBlock')(opA.address), unlock)
  tt.same(await revertOf(registry.interface, regAs(opA).getFunction('withdrawBond')()), { name: 'SupernodeRegistryUnbonding', args: [opA.address, unlock] },
    'resign then withdraw at once reverts')
  // The next transaction lands in block unlock - 1: still locked.
  await mineBlocks(provider, unlock - 2n - BigInt(await blockNumber(provider)))
  tt.same(await revertOf(registry.interface, regAs(opA).getFunction('withdrawBond')()), { name: 'SupernodeRegistryUnbonding', args: [opA.address, unlock] })
  await mineBlocks(provider, 1)
  await ok(regAs(opA).getFunction('withdrawBond')())
  tt.equal(await balance(opA.address), parseEther('150'), 'bond returned once the delay passed')
  const [, , , registeredAt] = await registry.getFunction('candidate')(opA.address) as [string, string, string, bigint]
  tt.equal(registeredAt, 0n, 'no longer a candidate')
  tt.equal((await revertOf(registry.interface, registry.getFunction('admit')(opA.address))).name, 'SupernodeRegistryNotCandidate')

  const evidence = id('opB stopped scanning for epoch 12')
  tt.equal((await revertOf(registry.interface, regAs(opA).getFunction('slashBond')(opB.address, evidence))).name, 'OwnableUnauthorizedAccount')
  await ok(registry.getFunction('remove')(opB.address))
  tt.same(await revertOf(registry.interface, regAs(opB).getFunction('withdrawBond')()), { name: 'SupernodeRegistryUnbonding', args: [opB.address, BigInt(await blockNumber(provider) + 5)] },
    'a removed member is unbonding too')
  tt.equal((await revertOf(registry.interface, registry.getFunction('slashBond')(opB.address, ZeroHash))).name, 'SupernodeRegistryMissingEvidence')
  const before = await balance(owner.address)
  const slashed = await (await registry.getFunction('slashBond')(opB.address, evidence) as { wait(): Promise<{ logs: Array<{ topics: string[], data: string }> }> }).wait()
  tt.equal(await balance(owner.address), before + BOND, 'slashed during unbonding, to the owner (the timelock treasury)')
  const event = slashed.logs.map((l) => registry.interface.parseLog(l)).find((l) => l?.name === 'BondSlashed')
  tt.same([...event!.args], [opB.address, BOND, ZeroAddress, 0n, evidence], 'the event names the evidence')
  tt.equal(await registry.getFunction('totalBonded')(), 0n)
})

t.test('a member whose term lapsed is unbonding from the term end', async (tt) => {
  await ok(registry.getFunction('setCandidateBond')(await vmt.getAddress(), 0n))
  await ok(registry.getFunction('setTermBlocks')(3))
  await ok(register(opA))
  const admitted = await (await registry.getFunction('admit')(opA.address) as { wait(): Promise<{ blockNumber: number }> }).wait()
  tt.equal(await registry.getFunction('bondUnlockBlock')(opA.address), BigInt(admitted.blockNumber + 3 + 5), 'term end plus the delay')
  await mineBlocks(provider, 3)
  tt.equal(await registry.getFunction('isMember')(opA.address), false)
  tt.same(await revertOf(registry.interface, regAs(opA).getFunction('withdrawBond')()), { name: 'SupernodeRegistryUnbonding', args: [opA.address, BigInt(admitted.blockNumber + 8)] })
})
