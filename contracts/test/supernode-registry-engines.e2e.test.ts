// SupernodeRegistry engine identities: governance declares each operator's engines, checkpointed
// by block, so "which engines did X run at block B" is answerable after later changes. The owner
// is a plain account here; in a deployment it is the timelock.
import t from 'tap'
import { Contract, ContractFactory, hexlify, randomBytes } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import registryArtifact from '../artifacts/SupernodeRegistry.json' with { type: 'json' }
import { mineBlocks } from '#governance/anvil-time.ts'
import { revertOf } from './revert.ts'
import { startTestChain } from './test-chain.ts'

const { provider } = await startTestChain(t)
const [owner, opA, opB, stranger] = await Promise.all([0, 1, 2, 3].map(async (i) => await provider.getSigner(i))) as
  [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner]
const factory = new ContractFactory(registryArtifact.abi, registryArtifact.bytecode, owner)
const deployed = await factory.deploy(owner.address)
await deployed.waitForDeployment()
const registry = new Contract(await deployed.getAddress(), registryArtifact.abi, owner)
const call = (name: string, ...args: unknown[]): Promise<unknown> => registry.getFunction(name)(...args) as Promise<unknown>
const setEngines = (operator: string, ids: string[]): Promise<unknown> => call('setEngines', operator, ids)

async function sent (pending: Promise<unknown>): Promise<number> {
  const receipt = await (await pending as { wait(): Promise<{ blockNumber: number } | null> }).wait()
  if (receipt === null) throw new Error('no receipt')
  return receipt.blockNumber
}

for (const [i, s] of [opA, opB].entries()) {
  await sent((registry.connect(s) as Contract).getFunction('register')(`12D3KooWEngines${i}`, hexlify(randomBytes(32)), ''))
}

t.test('engine lists are checkpointed by block and announced', async (tt) => {
  tt.same(await call('engines', opA.address), [], 'none until governance sets them')
  const first = await sent(setEngines(opA.address, ['YARA', 'ClamAV', 'VirusMap-Heuristics']))
  const [ev] = await registry.queryFilter(registry.filters.EnginesSet!(opA.address), first, first)
  tt.same([...(ev as unknown as { args: [string, string[]] }).args[1]], ['YARA', 'ClamAV', 'VirusMap-Heuristics'], 'EnginesSet carries the list')
  await mineBlocks(provider, 2)
  const second = await sent(setEngines(opA.address, ['YARA']))
  await mineBlocks(provider, 2)
  const cleared = await sent(setEngines(opA.address, []))
  await mineBlocks(provider, 1)

  tt.same(await call('enginesAt', opA.address, first - 1), [], 'before the first list')
  tt.same(await call('enginesAt', opA.address, first), ['YARA', 'ClamAV', 'VirusMap-Heuristics'], 'from its block on')
  tt.same(await call('enginesAt', opA.address, second - 1), ['YARA', 'ClamAV', 'VirusMap-Heuristics'])
  tt.same(await call('enginesAt', opA.address, second), ['YARA'], 'a new list replaces the old one')
  tt.same(await call('enginesAt', opA.address, cleared), [], 'an empty list withdraws them')
  tt.same(await call('engines', opA.address), [])
  tt.same(await call('enginesAt', opB.address, second), [], 'lists are per operator')
})

t.test('the last list set in a block is the block\'s', async (tt) => {
  await provider.send('evm_setAutomine', [false])
  const pending = [await setEngines(opB.address, ['ClamAV']), await setEngines(opB.address, ['YARA', 'VirusMap-Archive'])]
  await mineBlocks(provider, 1)
  await provider.send('evm_setAutomine', [true])
  const blocks = await Promise.all(pending.map(async (p) => await sent(Promise.resolve(p))))
  tt.equal(blocks[0], blocks[1], 'both in one block')
  await mineBlocks(provider, 1)
  tt.same(await call('enginesAt', opB.address, blocks[0]), ['YARA', 'VirusMap-Archive'])
  tt.same(await call('engines', opB.address), ['YARA', 'VirusMap-Archive'])
})

t.test('only the owner sets engines, and only for a registered candidate', async (tt) => {
  const byStranger = (registry.connect(stranger) as Contract).getFunction('setEngines')(opA.address, ['YARA'])
  tt.equal((await revertOf(registry.interface, byStranger)).name, 'OwnableUnauthorizedAccount')
  const byOperator = (registry.connect(opA) as Contract).getFunction('setEngines')(opA.address, ['Everything'])
  tt.equal((await revertOf(registry.interface, byOperator)).name, 'OwnableUnauthorizedAccount', 'an operator cannot declare its own engines')
  tt.same(await revertOf(registry.interface, setEngines(stranger.address, ['YARA'])), { name: 'SupernodeRegistryNotCandidate', args: [stranger.address] })
})

t.test('engine ids are validated', async (tt) => {
  const rejected = async (ids: string[]): Promise<{ name: string, args: unknown[] }> => await revertOf(registry.interface, setEngines(opA.address, ids))
  tt.same(await rejected(['YARA', '']), { name: 'SupernodeRegistryInvalidEngineId', args: [1n] }, 'empty')
  tt.same(await rejected(['x'.repeat(65)]), { name: 'SupernodeRegistryInvalidEngineId', args: [0n] }, '65 bytes')
  for (const bad of [' YARA', '-YARA', '.hidden', 'YARA\n', 'YA/RA', 'YARA;rm', 'Ÿara', 'a,b']) {
    tt.equal((await rejected(['ClamAV', bad])).name, 'SupernodeRegistryInvalidEngineId', JSON.stringify(bad))
  }
  tt.same(await rejected(['YARA', 'ClamAV', 'YARA']), { name: 'SupernodeRegistryDuplicateEngine', args: [2n] })
  tt.same(await rejected(['yara', 'YARA', 'yara']), { name: 'SupernodeRegistryDuplicateEngine', args: [2n] }, 'ids are case-sensitive: only exact repeats collide')
  const many = Array.from({ length: 65 }, (_, i) => `Engine-${i}`)
  tt.same(await rejected(many), { name: 'SupernodeRegistryTooManyEngines', args: [65n] })

  const edge = ['x'.repeat(64), '0day', 'VirusMap-URL-Heuristics', 'Engine 2.0_beta+1']
  const block = await sent(setEngines(opA.address, edge))
  tt.same(await call('engines', opA.address), edge, '64 bytes, a digit first, and every allowed punctuation')
  const full = await sent(setEngines(opA.address, many.slice(0, 64)))
  await mineBlocks(provider, 1)
  tt.equal((await call('enginesAt', opA.address, full) as string[]).length, 64, '64 engines are allowed')
  tt.same(await call('enginesAt', opA.address, block), edge)
})

t.test('enginesAt follows the future-lookup rule of isMemberAt', async (tt) => {
  const head = await provider.getBlockNumber()
  tt.same(await revertOf(registry.interface, call('enginesAt', opA.address, head)), { name: 'PastBlocksFutureLookup', args: [BigInt(head), BigInt(head)] }, 'the latest block is not past yet')
  tt.equal((await call('enginesAt', opA.address, head - 1) as string[]).length, 64, 'the one before it is')
})
