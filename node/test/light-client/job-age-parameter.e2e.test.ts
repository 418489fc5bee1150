/**
 * maxJobAgeBlocks as a light client reads it from a real NetworkParameters on anvil: by the
 * protocol's one rule (job-age.js maxJobAgeBlocksFrom), so a hostile or mistaken value reads as the
 * default exactly as the nodes read it; and the limit block's timestamp from the chain.
 */
import tap from 'tap'
import { toQuantity } from 'ethers'
import { createChainReader, createRegistryView } from '../../src/light-client/index.ts'
import { startParametersChain } from '../fixtures/parameters-chain.ts'
import { REGISTRY } from '../fixtures/signed-reports.ts'

tap.test('maxJobAgeBlocks and the limit block\'s timestamp, read from the chain', async (t) => {
  const chain = await startParametersChain(t)
  const { provider } = chain
  const view = createRegistryView(provider, REGISTRY, chain.parameters)
  const set = async (value: bigint): Promise<number> => await chain.set('maxJobAgeBlocks', value)

  t.equal(await view.maxJobAgeBlocksAt(await provider.getBlockNumber()), 7200, 'never set (get reverts): the default')
  t.equal(await createRegistryView(provider, REGISTRY).maxJobAgeBlocksAt(0), 7200, 'a deployment without NetworkParameters: the default')
  const cases: Array<[bigint, number, string]> = [
    [64n, 64, 'a sane value'],
    [16n, 16, 'the least the rule takes'],
    [15n, 7200, 'below 16 an honest job could outlive its block in transit'],
    [1_000_000n, 1_000_000, 'the most the rule takes'],
    [1_000_001n, 7200, 'above it the bound retires nothing'],
    [2n ** 208n - 1n, 7200, 'the largest value the contract holds (uint208)']
  ]
  for (const [value, read, why] of cases) {
    const block = await set(value)
    t.equal(await view.maxJobAgeBlocksAt(block), read, `${value}: ${why} (at the head)`)
    await provider.send('evm_mine', [])
    t.equal(await view.maxJobAgeBlocksAt(block), read, `${value}: the same through getAt once past`)
  }

  await set(20n)
  const before = await provider.getBlockNumber()
  await provider.send('anvil_mine', [toQuantity(30), toQuantity(12)])
  const stamp = (await provider.getBlock(before + 20))?.timestamp
  t.equal(await view.blockTimestamp(before + 20), stamp, 'a mined block\'s timestamp')
  t.equal(await view.blockTimestamp(before + 1000), undefined, 'a block not mined yet')
  const reader = createChainReader(view)
  t.same(await reader.ageLimit(before), { maxJobAgeBlocks: 20, limitBlock: before + 20, limitTimestamp: stamp }, 'the limit block is mined')
  t.same(await reader.ageLimit(before + 25), { maxJobAgeBlocks: 20, limitBlock: before + 45 }, 'not yet')
  const controller = new AbortController()
  controller.abort()
  await t.rejects(reader.ageLimit(before, { signal: controller.signal }), { name: 'AbortError' }, 'an aborted call asks nothing')
})
