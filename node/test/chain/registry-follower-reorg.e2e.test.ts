import { setTimeout as sleep } from 'node:timers/promises'
import { encodeBytes32String, hexlify, randomBytes } from 'ethers'
import { pino } from 'pino'
import tap from 'tap'
import type { Test } from 'tap'
import { electMembers, proposeAndExecute, registerCandidate } from '#governance/index.ts'
import { parametersInterface } from '../../src/chain/registry-abi.ts'
import { blockNumber, mineBlocks } from '#governance/anvil-time.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import type { RegistryFollower, ReorgEvent } from '../../src/chain/registry-follower.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import type { Hex } from '#protocol/messages.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'

// Reorgs for real on anvil: the follower has applied an admission (or a parameter change) that the
// chain then takes back; afterwards its answers must be the contract's again.
const { provider, signers, deployment, registry, params, gov, operators } = await startGovernedChain(tap, 3)
const { contracts } = deployment
for (const op of signers) {
  await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3Koo${await op.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
}

interface Followed {
  follower: RegistryFollower
  warnings: Array<Record<string, unknown>>
  reorgs: () => Promise<number>
  /** onReorg signals, each with the followed block when it came */
  events: Array<ReorgEvent & { followedAt: number }>
  /** observations in the depth histogram */
  depthCount: () => Promise<number>
}

function follow (confirmations: number, reorgWindow?: number): Followed {
  const warnings: Array<Record<string, unknown>> = []
  const metrics = createNodeMetrics()
  const follower = createRegistryFollower({
    provider,
    registry: contracts.registry,
    parameters: contracts.parameters as Hex,
    fromBlock: deployment.deployBlock,
    confirmations,
    pollIntervalMs: 20,
    logChunk: 5,
    ...(reorgWindow != null ? { reorgWindow } : {}),
    logger: pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line) as Record<string, unknown>) } }),
    metrics: metrics.chain
  })
  const reorgs = async (): Promise<number> => (await metrics.chain.reorgs.get()).values[0]?.value ?? 0
  const depthCount = async (): Promise<number> => (await metrics.chain.reorgDepth.get()).values.find((v) => v.metricName === 'virusmap_chain_reorg_depth_blocks_count')?.value ?? 0
  const events: Followed['events'] = []
  follower.onReorg((event) => { events.push({ ...event, followedAt: follower.followedBlock }) })
  // a failing listener is logged and changes nothing for the follower or the other listeners
  follower.onReorg(async () => { throw new Error('listener broke') })
  return { follower, warnings, reorgs, events, depthCount }
}

async function until (what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await check()) return
    await sleep(20)
  }
  throw new Error(`timed out waiting until ${what}`)
}

/** the follower's membership answers equal the contract's for every block in [from, to] */
async function sameMembership (t: Test, follower: RegistryFollower, from: number, to: number): Promise<void> {
  for (let block = from; block <= to; block++) {
    const [onChain, members] = await Promise.all([
      Promise.all(operators.map(async (op) => await registry.getFunction('isMemberAt')(op, block) as boolean)),
      registry.getFunction('membersAt')(block) as Promise<string[]>
    ])
    t.same(operators.map((op) => follower.isMemberAt(op, block)), onChain, `isMemberAt at ${block}`)
    t.same(follower.membersAt(block), members.map((a) => a.toLowerCase()).toSorted(), `membersAt at ${block}`)
  }
}

tap.test('anvil_reorg takes back an admission the follower applied (confirmations 1): it rolls back and re-applies', async (t) => {
  const { follower, warnings, reorgs, events, depthCount } = follow(1)
  await follower.start()
  t.teardown(() => follower.stop())
  const first = await blockNumber(provider)
  const { executionBlock } = await electMembers({ ...gov, operators: [operators[0]!] })
  await mineBlocks(provider, 2)
  await follower.waitFor(executionBlock + 1)
  t.ok(follower.isMemberAt(operators[0]!, executionBlock), 'the admission was applied')

  const head = await blockNumber(provider)
  const depth = head - executionBlock + 1
  await provider.send('anvil_reorg', [depth, []])
  t.equal(await blockNumber(provider), head, 'same height, another history')
  t.notOk(await registry.getFunction('isMemberAt')(operators[0]!, executionBlock), 'the chain no longer has the admission')
  await mineBlocks(provider, 2)
  await until('the reorg is handled', async () => await reorgs() === 1 && follower.followedBlock >= head + 1)
  t.notOk(follower.isMemberAt(operators[0]!, executionBlock), 'the reorganised-away admission is forgotten')
  const warning = warnings.find((w) => typeof w['depth'] === 'number')
  t.ok(warning, 'a structured warning')
  t.ok((warning?.['depth'] as number) >= depth - 1, `its depth (${String(warning?.['depth'])}) covers the reorg (${depth} blocks, ${depth - 1} of them followed)`)
  t.ok((warning?.['ancestor'] as number) < executionBlock, 'rolled back to before the admission')
  await sameMembership(t, follower, first, follower.followedBlock)
  await until('the reorg is signalled', () => events.length > 0)
  t.equal(events.length, 1, 'one signal for one reorg')
  t.equal(events[0]?.ancestorBlock, warning?.['ancestor'], 'it names the common ancestor')
  t.equal(events[0]?.depth, warning?.['depth'], 'and the depth')
  t.ok((events[0]?.followedAt ?? 0) >= head - 1, 'it comes once the replay has caught up to the confirmed head (head - 1)')
  t.equal(await depthCount(), 1, 'the depth is observed in virusmap_chain_reorg_depth_blocks')
  const error = warnings.find((w) => w['level'] === 50)
  t.ok((warning?.['depth'] as number) > 1, 'the reorg took back more followed blocks than the confirmation depth (1)')
  t.match(error, { depth: warning?.['depth'], confirmations: 1, ancestor: warning?.['ancestor'] }, 'so an error names it')
  await until('the failing listener is logged', () => warnings.some((w) => w['msg'] === 'reorg listener failed'))

  // the new history admits someone else; the follower applies it on top of the rolled-back state
  const second = await electMembers({ ...gov, operators: [operators[1]!] })
  await mineBlocks(provider, 2)
  await follower.waitFor(second.executionBlock + 1)
  t.equal(await reorgs(), 1, 'no spurious reorg')
  t.equal(events.length, 1, 'and no spurious signal')
  await sameMembership(t, follower, first, follower.followedBlock)
  t.same(follower.membersAt(follower.followedBlock), [operators[1]!])
})

tap.test('anvil_reorg takes back an engines change the follower applied: the earlier list is in force again', async (t) => {
  const { follower, reorgs } = follow(1)
  await follower.start()
  t.teardown(() => follower.stop())
  const op = operators[2]!
  const declared = await electMembers({ ...gov, operators: [], engines: { [op]: ['YARA'] } })
  const changed = await electMembers({ ...gov, operators: [], engines: { [op]: ['ClamAV', 'VirusMap-Archive'] } })
  await mineBlocks(provider, 2)
  await follower.waitFor(changed.executionBlock + 1)
  t.same(follower.enginesAt(op, changed.executionBlock), ['ClamAV', 'VirusMap-Archive'], 'the change was applied')

  const head = await blockNumber(provider)
  const before = await reorgs()
  await provider.send('anvil_reorg', [head - changed.executionBlock + 1, []])
  await mineBlocks(provider, 2)
  await until('the reorg is handled', async () => await reorgs() === before + 1 && follower.followedBlock >= head + 1)
  for (const block of [declared.executionBlock, changed.executionBlock, follower.followedBlock]) {
    const onChain = [...await registry.getFunction('enginesAt')(op, block) as string[]].toSorted()
    t.same(follower.enginesAt(op, block), onChain, `engines at ${block} are the contract's`)
  }
  t.same(follower.enginesAt(op, follower.followedBlock), ['YARA'], 'the taken-back list is gone; the one before it holds')
})

tap.test('evm_snapshot/evm_revert + a different history takes back a parameter change (confirmations 0)', async (t) => {
  const { follower, warnings, reorgs } = follow(0)
  await follower.start()
  t.teardown(() => follower.stop())
  const key = encodeBytes32String('commitWindowMs')
  const setWindow = async (ms: number, description: string): Promise<number> => (await proposeAndExecute({
    ...gov, targets: [contracts.parameters as string], values: [0n], calldatas: [parametersInterface.encodeFunctionData('set', [key, ms])], description
  })).executionBlock
  const snapshot = await provider.send('evm_snapshot', []) as string
  const before = await blockNumber(provider)
  const changed = await setWindow(7000, 'commit window 7 s')
  await mineBlocks(provider, 1)
  await follower.waitFor(changed + 1)
  t.equal(follower.parameterAt('commitWindowMs', changed), 7000n, 'the change was applied')
  const oldHead = await blockNumber(provider)

  t.ok(await provider.send('evm_revert', [snapshot]), 'reverted')
  t.equal(await blockNumber(provider), before, 'the chain is shorter than what was followed')
  // a different history: another value, set later than the first one was
  await mineBlocks(provider, 3)
  const other = await setWindow(9000, 'commit window 9 s')
  await mineBlocks(provider, 1)
  t.ok(other > changed, 'the new change lands at another block')
  await until('the reorg is handled', async () => await reorgs() >= 1 && follower.followedBlock >= other + 1)
  await mineBlocks(provider, 1)
  t.ok(warnings.some((w) => typeof w['depth'] === 'number' && (w['ancestor'] as number) <= before), `rolled back to the snapshot block or before (old head ${oldHead})`)
  for (let block = before - 1; block <= other + 1; block++) {
    const onChain = await params.getFunction('getAt')(key, block) as bigint
    t.equal(follower.parameterAt('commitWindowMs', block), onChain, `commitWindowMs at ${block}`)
  }
  t.equal(follower.parameterAt('commitWindowMs', changed), 5000n, 'the taken-back value is gone')
  t.equal(follower.parameterAt('commitWindowMs', other), 9000n, 'the new history\'s value applies from its block')
  await sameMembership(t, follower, before - 1, follower.followedBlock - 1)
})

tap.test('a reorg deeper than the remembered window re-reads everything from the deployment block', async (t) => {
  const { follower, warnings, reorgs } = follow(0, 1)
  await follower.start()
  t.teardown(() => follower.stop())
  const { executionBlock } = await electMembers({ ...gov, operators: [operators[2]!] })
  await follower.waitFor(executionBlock)
  t.ok(follower.isMemberAt(operators[2]!, executionBlock))
  await provider.send('anvil_reorg', [2, []])
  await mineBlocks(provider, 2)
  await until('the reorg is handled', async () => await reorgs() === 1 && follower.followedBlock >= executionBlock + 2)
  const warning = warnings.find((w) => w['deeperThanWindow'] === true)
  t.equal(warning?.['ancestor'], deployment.deployBlock - 1, 'rolled back to before the deployment block')
  t.notOk(follower.isMemberAt(operators[2]!, executionBlock), 'the admission is gone')
  await sameMembership(t, follower, deployment.deployBlock, follower.followedBlock - 1)
})
