/**
 * The page's chain reads (JSON-RPC eth_call from the browser, no ethers) against the JSON-RPC
 * registry fixture and a real NetworkParameters on anvil: the same answers the light client's
 * RegistryView gives.
 */
import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { toQuantity } from 'ethers'
import { createChainReader, createRegistryView } from '../../src/light-client/index.ts'
import { createChainReads } from '../../src/web/chain-reads.js'
import { startJsonRpcRegistry } from '../fixtures/json-rpc-registry.ts'
import { startParametersChain } from '../fixtures/parameters-chain.ts'
import { CHAIN_ID, MEMBERS, MEMBERSHIP_BLOCK, REGISTRY } from '../fixtures/signed-reports.ts'
import type { Hex } from '#protocol/index.ts'

const ADDRESSES = MEMBERS.map((m) => m.address).toSorted()

tap.test('members and each member\'s engines at a block, read once', async (t) => {
  const [first, second] = ADDRESSES as [Hex, Hex]
  const rpc = await startJsonRpcRegistry({
    chainId: CHAIN_ID, registry: REGISTRY, head: 50, members: ADDRESSES, since: MEMBERSHIP_BLOCK,
    engines: { [first]: ['YARA', 'ClamAV', 'VirusMap-Heuristics'], [second]: ['YARA', 'Ünïcode engine'] }
  })
  t.teardown(() => rpc.stop())
  const reads = createChainReads({ rpcUrl: rpc.url, registry: REGISTRY }, keccak_256)
  t.equal(await reads.chainId(), CHAIN_ID)
  t.same(await reads.blockState(MEMBERSHIP_BLOCK), {
    members: ADDRESSES,
    registrations: { ClamAV: [first], 'VirusMap-Heuristics': [first], YARA: [first, second], 'Ünïcode engine': [second] },
    faultDivisor: 3,
    clockSkewMs: 1000
  }, 'without NetworkParameters: the default quorum rule and clock skew')
  const calls = rpc.calls.length
  await reads.blockState(MEMBERSHIP_BLOCK)
  t.equal(rpc.calls.length, calls, 'a block already read costs no RPC')
  t.equal(await reads.blockState(51), undefined, 'past the head')
  t.same((await reads.blockState(MEMBERSHIP_BLOCK - 1))?.members, [], 'before the members were admitted')
  await t.rejects(createChainReads({ rpcUrl: 'http://127.0.0.1:9/', registry: REGISTRY }, keccak_256).chainId(), { code: 'RPC_UNREACHABLE' })
})

tap.test('quorumFaultDivisor and clockSkewMs from NetworkParameters, by block, by the protocol\'s rules', async (t) => {
  const { anvil, provider, parameters, set } = await startParametersChain(t)
  const reads = createChainReads({ rpcUrl: anvil.rpcUrl, registry: REGISTRY, parameters }, keccak_256)
  const unset = await provider.getBlockNumber()
  t.same(await reads.parametersAt(unset, unset), { faultDivisor: 3, clockSkewMs: 1000 }, 'never set, at the head (get reverts): the defaults')
  await set('quorumFaultDivisor', 4n)
  const at = await set('clockSkewMs', 2500n)
  t.same(await reads.parametersAt(at, at), { faultDivisor: 4, clockSkewMs: 2500 }, 'at the head: the current values')
  await provider.send('evm_mine', [])
  t.same(await reads.parametersAt(unset, at + 1), { faultDivisor: 3, clockSkewMs: 1000 }, 'a past block before they were set')
  t.same(await reads.parametersAt(at, at + 1), { faultDivisor: 4, clockSkewMs: 2500 }, 'a past block after')
  await set('quorumFaultDivisor', 1n)
  const bad = await set('clockSkewMs', 86_400_001n)
  await provider.send('evm_mine', [])
  t.same(await reads.parametersAt(bad, bad + 1), { faultDivisor: 3, clockSkewMs: 1000 }, 'nonsense values read as the defaults, as the nodes read them')
})

tap.test('the age limit of a job\'s block: what the light client reads, from the head', async (t) => {
  const { anvil, provider, parameters, set } = await startParametersChain(t)
  const reads = createChainReads({ rpcUrl: anvil.rpcUrl, registry: REGISTRY, parameters }, keccak_256)
  const reader = createChainReader(createRegistryView(provider, REGISTRY, parameters))
  const start = await provider.getBlockNumber()
  t.same(await reads.ageLimit(start), { maxJobAgeBlocks: 7200, limitBlock: start + 7200 }, 'never set: the default, its limit block not mined')
  await set('maxJobAgeBlocks', 20n)
  await provider.send('anvil_mine', [toQuantity(30), toQuantity(12)])
  for (const block of [start, start + 5, start + 15]) t.same(await reads.ageLimit(block), await reader.ageLimit(block), `block ${block}: the page reads what the CLI reads`)
  t.equal((await reads.ageLimit(start)).limitTimestamp, (await provider.getBlock(start + 20))?.timestamp, 'the limit block\'s own timestamp')
  await set('maxJobAgeBlocks', 15n)
  t.equal((await reads.ageLimit(start)).maxJobAgeBlocks, 7200, 'a value below the least the rule takes reads as the default')
})

tap.test('a hostile RPC\'s block header fails the read; a missing block is not mined', async (t) => {
  let header: unknown = null
  const rpc = await startJsonRpcRegistry({ chainId: CHAIN_ID, registry: REGISTRY, head: 8000, members: ADDRESSES, since: MEMBERSHIP_BLOCK, header: () => header })
  t.teardown(() => rpc.stop())
  const reads = createChainReads({ rpcUrl: rpc.url, registry: REGISTRY }, keccak_256)
  t.same(await reads.ageLimit(MEMBERSHIP_BLOCK), { maxJobAgeBlocks: 7200, limitBlock: MEMBERSHIP_BLOCK + 7200 }, 'null: the chain has no such block')
  for (const bad of [{}, { timestamp: 12 }, { timestamp: '0x' }, { timestamp: 'latest' }, { timestamp: `0x${'f'.repeat(15)}` }, 'a string', 7, []]) {
    header = bad
    await t.rejects(reads.ageLimit(MEMBERSHIP_BLOCK), { code: 'CALL_FAILED' }, JSON.stringify(bad))
  }
  header = { timestamp: '0x6a1b2c3d' }
  t.equal((await reads.ageLimit(MEMBERSHIP_BLOCK)).limitTimestamp, 0x6a1b2c3d)
})
