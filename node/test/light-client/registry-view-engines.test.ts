import tap from 'tap'
import { createRegistryView } from '../../src/light-client/index.ts'
import { connectProvider } from '../../src/light-client/provider.ts'
import { CHAIN_ID, MEMBERS, MEMBERSHIP_BLOCK, OUTSIDER, REGISTRY } from '../fixtures/signed-reports.ts'
import { startJsonRpcRegistry } from '../fixtures/json-rpc-registry.ts'
import type { Hex } from '#protocol/index.ts'

// enginesAt over real HTTP and ABI encoding: the engines registered to a member at a block, sorted
const [first, second] = MEMBERS.map((m) => m.address) as [Hex, Hex]
const rpc = await startJsonRpcRegistry({
  chainId: CHAIN_ID, registry: REGISTRY, head: 50, members: [first, second], since: MEMBERSHIP_BLOCK, engines: { [first]: ['YARA', 'ClamAV', 'VirusMap-Heuristics'] }
})
tap.teardown(() => rpc.stop())
const provider = await connectProvider(rpc.url)
tap.teardown(() => { provider.destroy() })
const view = createRegistryView(provider, REGISTRY)

tap.test('the engines registered to a member at a block, sorted ascending', async (t) => {
  t.same(await view.enginesAt(first, MEMBERSHIP_BLOCK), ['ClamAV', 'VirusMap-Heuristics', 'YARA'])
  t.same(await view.enginesAt(second, MEMBERSHIP_BLOCK), [], 'a member that registered none')
  t.same(await view.enginesAt(first, MEMBERSHIP_BLOCK - 1), [], 'none before the block they were set')
  t.same(await view.enginesAt(OUTSIDER.address, MEMBERSHIP_BLOCK), [], 'an outsider has none')
})

tap.test('an aborted read gives no answer; a registry that is not one fails with REGISTRY_CALL_FAILED', async (t) => {
  await t.rejects(view.enginesAt(first, MEMBERSHIP_BLOCK, { signal: AbortSignal.abort() }), { name: 'AbortError' })
  const elsewhere = createRegistryView(provider, '0x00000000000000000000000000000000000000bb')
  await t.rejects(elsewhere.enginesAt(first, MEMBERSHIP_BLOCK), { name: 'RegistryCallError', code: 'REGISTRY_CALL_FAILED' })
})
