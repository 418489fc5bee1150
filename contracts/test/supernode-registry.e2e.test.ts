import t from 'tap'
import { Contract, ContractFactory, hexlify, randomBytes } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import registryArtifact from '../artifacts/SupernodeRegistry.json' with { type: 'json' }
import { blockNumber, mineBlocks } from '#governance/anvil-time.ts'
import { revertOf } from './revert.ts'
import { startTestChain } from './test-chain.ts'

const { provider } = await startTestChain(t)
const [owner, opA, opB, opC, stranger] = await Promise.all([0, 1, 2, 3, 4].map(async (i) => await provider.getSigner(i))) as
  [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner]

// Owner is a plain account here so membership changes can be driven block by block; the full
// Governor -> Timelock path is covered in governance/test.
const factory = new ContractFactory(registryArtifact.abi, registryArtifact.bytecode, owner)
const deployed = await factory.deploy(await owner.getAddress())
await deployed.waitForDeployment()
const registry = new Contract(await deployed.getAddress(), registryArtifact.abi, owner)
const as = (signer: JsonRpcSigner): Contract => registry.connect(signer) as Contract
const key = (): string => hexlify(randomBytes(32))
const fn = (c: Contract, name: string) => c.getFunction(name)

async function sent (pending: Promise<{ wait(): Promise<{ blockNumber: number } | null> }>): Promise<number> {
  const receipt = await (await pending).wait()
  if (receipt === null) throw new Error('no receipt')
  return receipt.blockNumber
}

t.test('register stores the candidate record and emits CandidateRegistered', async (tt) => {
  const x = key()
  const block = await sent(fn(as(opA), 'register')('12D3KooWPeerA', x, 'https://a.example/meta.json'))
  const [peerId, x25519Key, uri, registeredAt] = await fn(registry, 'candidate')(await opA.getAddress()) as [string, string, string, bigint]
  tt.same([peerId, x25519Key, uri, Number(registeredAt)], ['12D3KooWPeerA', x, 'https://a.example/meta.json', block])
  const events = await registry.queryFilter(registry.filters.CandidateRegistered!(await opA.getAddress()), block, block)
  tt.equal(events.length, 1)
  await sent(fn(as(opB), 'register')('12D3KooWPeerB', key(), ''))
  await sent(fn(as(opC), 'register')('12D3KooWPeerC', key(), ''))
})

t.test('register rejects invalid input with typed errors', async (tt) => {
  const r = as(stranger).getFunction('register')
  tt.same(await revertOf(registry.interface, r('', key(), '')), { name: 'SupernodeRegistryInvalidPeerId', args: [0n] })
  tt.same(await revertOf(registry.interface, r('p'.repeat(129), key(), '')), { name: 'SupernodeRegistryInvalidPeerId', args: [129n] })
  tt.same(await revertOf(registry.interface, r('peer', '0x' + '00'.repeat(32), '')), { name: 'SupernodeRegistryInvalidX25519Key', args: [] })
  tt.same(await revertOf(registry.interface, r('peer', key(), 'u'.repeat(513))), { name: 'SupernodeRegistryInvalidMetadataURI', args: [513n] })
  // Limits are inclusive.
  await sent(r('p'.repeat(128), key(), 'u'.repeat(512)))
})

t.test('admit and remove are owner-only and check membership state', async (tt) => {
  const a = await opA.getAddress()
  tt.same(await revertOf(registry.interface, fn(as(stranger), 'admit')(a)), { name: 'OwnableUnauthorizedAccount', args: [await stranger.getAddress()] })
  tt.equal((await revertOf(registry.interface, fn(registry, 'admit')(await owner.getAddress()))).name, 'SupernodeRegistryNotCandidate')
  tt.equal((await revertOf(registry.interface, fn(registry, 'remove')(a))).name, 'SupernodeRegistryNotMember')
  await sent(fn(registry, 'admit')(a))
  tt.equal((await revertOf(registry.interface, fn(registry, 'admit')(a))).name, 'SupernodeRegistryAlreadyMember')
  tt.equal((await revertOf(registry.interface, fn(as(stranger), 'remove')(a))).name, 'OwnableUnauthorizedAccount')
})

t.test('membership is checkpointed by block', async (tt) => {
  const [a, b, c] = await Promise.all([opA, opB, opC].map(async (s) => await s.getAddress())) as [string, string, string]
  const isMemberAt = fn(registry, 'isMemberAt')
  const membersAt = fn(registry, 'membersAt')
  // opA was admitted in the previous test.
  const bAdmitted = await sent(fn(registry, 'admit')(b))
  const aRemoved = await sent(fn(registry, 'remove')(a))
  const cAdmitted = await sent(fn(registry, 'admit')(c))
  const aBack = await sent(fn(registry, 'admit')(a))
  await mineBlocks(provider, 1)

  tt.equal(await isMemberAt(b, bAdmitted - 1), false, 'not a member before admission')
  tt.equal(await isMemberAt(b, bAdmitted), true, 'member from the admission block on')
  tt.equal(await isMemberAt(a, aRemoved - 1), true)
  tt.equal(await isMemberAt(a, aRemoved), false, 'removed from the removal block on')
  tt.equal(await isMemberAt(a, aBack), true, 're-admission opens a new checkpoint')
  tt.same(await membersAt(aRemoved - 1), [a, b])
  tt.same(await membersAt(aRemoved), [b])
  tt.same(await membersAt(cAdmitted), [b, c])
  tt.same(await membersAt(aBack), [a, b, c], 'ordered by first admission')
  tt.same([...await fn(registry, 'members')() as string[]].toSorted(), [a, b, c].toSorted())
  tt.equal(await fn(registry, 'isMember')(a), true)
  tt.same(await membersAt(0), [])
})

t.test('lookups at the current or a future block revert like ERC-5805 (PastBlocks, shared with NetworkParameters)', async (tt) => {
  const current = await blockNumber(provider)
  const a = await opA.getAddress()
  tt.same(await revertOf(registry.interface, fn(registry, 'isMemberAt')(a, current)), { name: 'PastBlocksFutureLookup', args: [BigInt(current), BigInt(current)] })
  tt.equal((await revertOf(registry.interface, fn(registry, 'isMemberAt')(a, current + 10))).name, 'PastBlocksFutureLookup')
  tt.equal((await revertOf(registry.interface, fn(registry, 'membersAt')(current))).name, 'PastBlocksFutureLookup')
  tt.equal((await revertOf(registry.interface, fn(registry, 'membersAt')(2n ** 255n))).name, 'PastBlocksFutureLookup')
})
