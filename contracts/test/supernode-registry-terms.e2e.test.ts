// SupernodeRegistry governance parameters: terms that lapse at their block without a
// transaction (checkpointed, so history stays exact), renewal by re-admission, a maximum member
// count, and resignation. The owner is a plain account here; in a deployment it is the timelock.
import t from 'tap'
import { Contract, ContractFactory, hexlify, randomBytes } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import registryArtifact from '../artifacts/SupernodeRegistry.json' with { type: 'json' }
import { mineBlocks } from '#governance/anvil-time.ts'
import { revertOf } from './revert.ts'
import { startTestChain } from './test-chain.ts'

const { provider } = await startTestChain(t)
const [owner, opA, opB, opC, stranger] = await Promise.all([0, 1, 2, 3, 4].map(async (i) => await provider.getSigner(i))) as
  [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner]
const factory = new ContractFactory(registryArtifact.abi, registryArtifact.bytecode, owner)
const deployed = await factory.deploy(owner.address)
await deployed.waitForDeployment()
const registry = new Contract(await deployed.getAddress(), registryArtifact.abi, owner)
const as = (signer: JsonRpcSigner): Contract => registry.connect(signer) as Contract
const call = (name: string, ...args: unknown[]): Promise<unknown> => registry.getFunction(name)(...args) as Promise<unknown>

async function sent (pending: Promise<unknown>): Promise<number> {
  const receipt = await (await pending as { wait(): Promise<{ blockNumber: number } | null> }).wait()
  if (receipt === null) throw new Error('no receipt')
  return receipt.blockNumber
}

for (const [i, s] of [opA, opB, opC].entries()) await sent(as(s).getFunction('register')(`12D3KooWTerm${i}`, hexlify(randomBytes(32)), ''))

t.test('governance parameters are owner-only and announced', async (tt) => {
  tt.equal(await call('termBlocks'), 0n, 'no term by default')
  tt.equal(await call('maxMembers'), 0n, 'no limit by default')
  for (const fn of ['setTermBlocks', 'setMaxMembers']) {
    tt.equal((await revertOf(registry.interface, as(stranger).getFunction(fn)(5))).name, 'OwnableUnauthorizedAccount', `${fn} by a stranger`)
  }
  const block = await sent(call('setTermBlocks', 20))
  const events = await registry.queryFilter(registry.filters.TermBlocksSet!(), block, block)
  tt.equal(events.length, 1)
  tt.equal(await call('termBlocks'), 20n)
})

t.test('a term lapses at its block without a transaction; history stays exact', async (tt) => {
  const admitted = await sent(call('admit', opA.address))
  tt.equal(await call('termEnd', opA.address), BigInt(admitted + 20))
  const [ev] = await registry.queryFilter(registry.filters.MemberTermSet!(opA.address), admitted, admitted)
  tt.equal((ev as unknown as { args: [string, bigint] }).args[1], BigInt(admitted + 20), 'MemberTermSet names the end')
  await mineBlocks(provider, 19)
  tt.equal(await call('isMember', opA.address), true, 'still a member in the last block of the term')
  await mineBlocks(provider, 1)
  tt.equal(await call('isMember', opA.address), false, 'lapsed at admitted + termBlocks')
  tt.same(await call('members'), [], 'members() leaves lapsed terms out')
  tt.equal(await call('termEnd', opA.address), 0n)
  await mineBlocks(provider, 1)
  tt.equal(await call('isMemberAt', opA.address, admitted + 19), true, 'member in the term\'s last block')
  tt.equal(await call('isMemberAt', opA.address, admitted + 20), false, 'not from the end block on')
  tt.same(await call('membersAt', admitted + 19), [opA.address])
  tt.same(await call('membersAt', admitted + 20), [])
  tt.equal((await revertOf(registry.interface, call('remove', opA.address))).name, 'SupernodeRegistryNotMember', 'nothing left to remove')

  // Re-admission after a lapse is a new membership with a new term.
  const back = await sent(call('admit', opA.address))
  tt.equal(await call('isMemberAt', opA.address, admitted + 20), false, 'the gap stays in history')
  tt.equal(await call('termEnd', opA.address), BigInt(back + 20))
})

t.test('re-election renews a term; without terms a member cannot be admitted twice', async (tt) => {
  const first = await sent(call('admit', opB.address))
  await mineBlocks(provider, 10)
  const renewed = await sent(call('admit', opB.address))
  tt.equal(await call('termEnd', opB.address), BigInt(renewed + 20), 'the term runs from the re-election')
  await mineBlocks(provider, 15)
  tt.equal(await call('isMember', opB.address), true, 'past the first term\'s end, still a member')
  tt.equal(await call('isMemberAt', opB.address, first + 20), true)
  const admittedEvents = await registry.queryFilter(registry.filters.MemberAdmitted!(opB.address), first, renewed)
  tt.equal(admittedEvents.length, 1, 'a renewal is not a second admission')

  await sent(call('setTermBlocks', 0))
  const r = await revertOf(registry.interface, call('admit', opB.address))
  tt.same(r, { name: 'SupernodeRegistryAlreadyMember', args: [opB.address] })
  await sent(call('admit', opC.address))
  tt.equal(await call('termEnd', opC.address), await call('NO_TERM'), 'no term: never lapses')
  await sent(call('remove', opC.address))
})

t.test('the member set has a maximum size', async (tt) => {
  // Let every termed membership lapse; terms are off now, so new admissions never lapse.
  await mineBlocks(provider, 30)
  tt.same(await call('members'), [])
  await sent(call('admit', opA.address))
  await sent(call('admit', opB.address))
  await sent(call('setMaxMembers', 2))
  tt.same(await revertOf(registry.interface, call('admit', opC.address)), { name: 'SupernodeRegistryFull', args: [2n] })
  await sent(call('setMaxMembers', 3))
  await sent(call('admit', opC.address))
  tt.equal((await call('members') as string[]).length, 3)
  await sent(call('setMaxMembers', 1))
  tt.equal((await call('members') as string[]).length, 3, 'lowering the limit removes nobody')
})

t.test('a member can resign; a non-member cannot', async (tt) => {
  tt.same(await revertOf(registry.interface, as(stranger).getFunction('resign')()), { name: 'SupernodeRegistryNotMember', args: [stranger.address] })
  const block = await sent(as(opC).getFunction('resign')())
  const events = await registry.queryFilter(registry.filters.MemberRemoved!(opC.address), block, block)
  tt.equal(events.length, 1, 'MemberRemoved, as for a removal (followers need nothing new)')
  await mineBlocks(provider, 1)
  tt.equal(await call('isMember', opC.address), false)
  tt.equal(await call('isMemberAt', opC.address, block - 1), true)
  tt.equal(await call('isMemberAt', opC.address, block), false)
  const [, , , registeredAt] = await call('candidate', opC.address) as [string, string, string, bigint]
  tt.ok(registeredAt > 0n, 'the candidate record is kept')
})
