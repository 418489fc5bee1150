import { encodeBytes32String, hexlify, randomBytes } from 'ethers'
import { pino } from 'pino'
import tap from 'tap'
import { electMembers, proposeAndExecute, registerCandidate, removeMembers } from '#governance/index.ts'
import { parametersInterface } from '../../src/chain/registry-abi.ts'
import { blockNumber, mineBlocks } from '#governance/anvil-time.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import type { Hex } from '#protocol/messages.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'

// A node that was offline while thousands of blocks went by catches up in small eth_getLogs chunks
// and then agrees with the contract at every block that matters.
// no past states: every call below is at the head, and mining ~3,000 blocks costs less
const { provider, signers, deployment, registry, params, gov, operators } = await startGovernedChain(tap, 4, { pruneHistory: true })
const { contracts } = deployment
const key = encodeBytes32String('commitWindowMs')

tap.test('started after ~3000 blocks with events spread across them, it agrees with the contract', async (t) => {
  const register = (i: number) => async () => {
    await registerCandidate({ registry: contracts.registry, operator: signers[i]!, peerId: `12D3Koo${operators[i]!}`, x25519Key: hexlify(randomBytes(32)) as Hex })
  }
  const admit = (...i: number[]) => async () => { await electMembers({ ...gov, operators: i.map((n) => operators[n]!) }) }
  const remove = (...i: number[]) => async () => { await removeMembers({ ...gov, operators: i.map((n) => operators[n]!) }) }
  const setWindow = (ms: number) => async () => {
    await proposeAndExecute({ ...gov, targets: [contracts.parameters as string], values: [0n], calldatas: [parametersInterface.encodeFunctionData('set', [key, ms])], description: `commit window ${ms}` })
  }
  const steps = [register(0), register(1), admit(0, 1), setWindow(6000), register(2), admit(2), remove(0), setWindow(8000), register(3), admit(3, 0), remove(1, 2), setWindow(4000)]
  for (const step of steps) {
    await mineBlocks(provider, 230 + Math.floor(Math.random() * 50))
    await step()
  }
  await mineBlocks(provider, 120)
  const head = await blockNumber(provider)
  t.ok(head - deployment.deployBlock >= 3000, `${head - deployment.deployBlock} blocks since the deployment`)

  const follower = createRegistryFollower({
    provider, registry: contracts.registry, parameters: contracts.parameters as Hex, fromBlock: deployment.deployBlock, confirmations: 3, pollIntervalMs: 50, logChunk: 64, logger: pino({ level: 'silent' })
  })
  await follower.start()
  t.teardown(() => follower.stop())
  t.equal(follower.followedBlock, head - 3, 'caught up to a confirmation depth behind the head')

  // every block next to an event, and every 50th block
  const logs = await provider.getLogs({ address: [contracts.registry, contracts.parameters as string], fromBlock: deployment.deployBlock, toBlock: follower.followedBlock })
  const blocks = new Set<number>()
  for (const log of logs) for (const d of [-1, 0, 1]) blocks.add(log.blockNumber + d)
  for (let b = deployment.deployBlock; b <= follower.followedBlock; b += 50) blocks.add(b)
  let checked = 0
  // every block's calls at once (ethers batches them), compared in block order
  const compared = [...blocks].filter((b) => b >= deployment.deployBlock && b <= follower.followedBlock).toSorted((a, b) => a - b)
  const answers = await Promise.all(compared.map(async (block) => ({
    block,
    onChain: await Promise.all(operators.map(async (op) => await registry.getFunction('isMemberAt')(op, block) as boolean)),
    members: await registry.getFunction('membersAt')(block) as string[],
    window: await params.getFunction('getAt')(key, block) as bigint
  })))
  for (const { block, onChain, members, window } of answers) {
    t.same(operators.map((op) => follower.isMemberAt(op, block)), onChain, `isMemberAt at ${block}`)
    t.same(follower.membersAt(block), members.map((a) => a.toLowerCase()).toSorted(), `membersAt at ${block}`)
    t.equal(follower.parameterAt('commitWindowMs', block) ?? 0n, window, `commitWindowMs at ${block} (0 = not yet set)`)
    checked++
  }
  t.ok(checked > 100, `${checked} blocks compared`)
  t.same(follower.membersAt(follower.followedBlock), [operators[0]!, operators[3]!].toSorted(), 'the final member set')
  t.equal(follower.parameterAt('commitWindowMs', follower.followedBlock), 4000n)
  for (const op of operators) t.equal(follower.candidate(op)?.peerId, `12D3Koo${op}`, 'candidates known')
})
