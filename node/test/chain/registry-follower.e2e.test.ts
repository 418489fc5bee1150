import { encodeBytes32String, hexlify, Interface, randomBytes } from 'ethers'
import { pino } from 'pino'
import tap from 'tap'
import { electMembers, proposeAndExecute, registerCandidate, removeMembers } from '#governance/index.ts'
import { registryArtifact } from '#governance/artifacts.ts'
import { parametersInterface } from '../../src/chain/registry-abi.ts'
import { mineBlocks } from '#governance/anvil-time.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import type { Hex } from '#protocol/messages.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'
import type { JsonRpcSigner } from 'ethers'

// The follower must answer "was X a member at block B" exactly as the registry's checkpoints do,
// through admission, term lapses, re-election and removal, from events alone.
const { provider, signers, deployment, registry, params, gov, operators } = await startGovernedChain(tap, 2)
const [op1, op2] = signers as [JsonRpcSigner, JsonRpcSigner]
const { contracts } = deployment

/** what `read` gives at each block from `from` to `to`, in block order; every block's calls go out at once (ethers batches them) */
async function contractAtEach<T> (from: number, to: number, read: (block: number) => Promise<T>): Promise<Array<T & { block: number }>> {
  return await Promise.all(Array.from({ length: Math.max(0, to - from + 1) }, async (_, i) => ({ ...await read(from + i), block: from + i })))
}

tap.test('membership by block matches the contract through terms, re-election and removal', async (t) => {
  for (const op of [op1, op2]) {
    await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3Koo${await op.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
  }
  const first = await provider.getBlockNumber()
  await electMembers({ ...gov, operators: [operators[0]!] })
  // a 30-block term from now on: the next election's members lapse on their own
  await proposeAndExecute({
    ...gov,
    targets: [contracts.registry],
    values: [0n],
    calldatas: [new Interface(registryArtifact.abi).encodeFunctionData('setTermBlocks', [30])],
    description: 'terms of 30 blocks'
  })
  await electMembers({ ...gov, operators: [operators[1]!] })
  await mineBlocks(provider, 35)
  await electMembers({ ...gov, operators: [operators[1]!], description: 're-elect op2' })
  await removeMembers({ ...gov, operators: [operators[0]!] })
  await mineBlocks(provider, 3)

  // the token's and the governor's logs (transfers, votes, proposals) are read with the registry's for other services: they change nothing here
  const follower = createRegistryFollower({
    provider, registry: contracts.registry, sharedLogs: [contracts.vmt, contracts.governor], fromBlock: deployment.deployBlock, confirmations: 2, pollIntervalMs: 100, logChunk: 7, logger: pino({ level: 'silent' })
  })
  await follower.start()
  t.teardown(() => follower.stop())
  const head = await provider.getBlockNumber()
  t.equal(follower.followedBlock, head - 2, 'follows a confirmation depth behind the head')
  let lapsed = false
  for (const { block, isMember, members } of await contractAtEach(first, follower.followedBlock, async (at) => ({
    isMember: await Promise.all(operators.map(async (op) => await registry.getFunction('isMemberAt')(op, at) as boolean)),
    members: (await registry.getFunction('membersAt')(at) as string[]).map((a) => a.toLowerCase()).toSorted()
  }))) {
    for (const [i, op] of operators.entries()) {
      const onChain = isMember[i]
      t.equal(follower.isMemberAt(op, block), onChain, `${op.slice(0, 8)} at ${block}`)
      if (op === operators[1] && onChain === false && follower.isMemberAt(op, block - 1)) lapsed = true
    }
    t.same(follower.membersAt(block), members, `members at ${block}`)
  }
  t.ok(lapsed, 'the term lapse was observed without any event at the lapse block')
  t.notOk(follower.isMemberAt(operators[0]!, follower.followedBlock + 1), 'nothing is claimed past the followed block')
})

tap.test('network parameters are followed by block: a change applies from the block it executed', async (t) => {
  const parameters = contracts.parameters as Hex
  t.ok(parameters, 'deployments carry NetworkParameters')
  const { executionBlock } = await proposeAndExecute({
    ...gov,
    targets: [parameters, parameters],
    values: [0n, 0n],
    calldatas: [
      parametersInterface.encodeFunctionData('set', [encodeBytes32String('commitWindowMs'), 7000]),
      parametersInterface.encodeFunctionData('set', [encodeBytes32String('rewardBudgetPerEpoch'), 10n ** 21n])
    ],
    description: 'longer commit window, a reward budget'
  })
  await mineBlocks(provider, 3)
  const follower = createRegistryFollower({
    provider, registry: contracts.registry, parameters, fromBlock: deployment.deployBlock, confirmations: 2, pollIntervalMs: 100, logger: pino({ level: 'silent' })
  })
  await follower.start()
  t.teardown(() => follower.stop())
  t.equal(follower.parameterAt('commitWindowMs', executionBlock - 1), 5000n, 'the deployment default before')
  t.equal(follower.parameterAt('commitWindowMs', executionBlock), 7000n, 'the new value from its block')
  t.equal(follower.parameterAt('revealWindowMs', executionBlock), 10000n)
  t.equal(follower.parameterAt('noSuchParameter', executionBlock), undefined)
  // followed and readable by block, though nothing uses it until rewards are built
  for (const block of [executionBlock - 1, executionBlock]) {
    t.equal(follower.parameterAt('rewardBudgetPerEpoch', block), await params.getFunction('getAt')(encodeBytes32String('rewardBudgetPerEpoch'), block) as bigint, `rewardBudgetPerEpoch at ${block} is the contract's`)
  }
  t.equal(follower.parameterAt('rewardBudgetPerEpoch', executionBlock), 10n ** 21n)
  t.equal(follower.parameterAt('commitWindowMs', follower.followedBlock + 1), undefined, 'nothing past the followed block')
})

tap.test('engines by block match the contract: declared, changed, withdrawn, per operator', async (t) => {
  const [a, b] = operators as [Hex, Hex]
  const from = await provider.getBlockNumber()
  await electMembers({ ...gov, operators: [], engines: { [a]: ['YARA', 'ClamAV'], [b]: ['VirusMap-Heuristics'] } })
  await electMembers({ ...gov, operators: [], engines: { [a]: ['YARA'] } })
  await electMembers({ ...gov, operators: [], engines: { [b]: [] } })
  await mineBlocks(provider, 3)
  const follower = createRegistryFollower({
    provider, registry: contracts.registry, fromBlock: deployment.deployBlock, confirmations: 2, pollIntervalMs: 100, logChunk: 7, logger: pino({ level: 'silent' })
  })
  await follower.start()
  t.teardown(() => follower.stop())
  const seen = new Set<string>()
  for (const { block, lists } of await contractAtEach(from, follower.followedBlock, async (at) => ({
    lists: await Promise.all([a, b].map(async (op) => [...await registry.getFunction('enginesAt')(op, at) as string[]].toSorted()))
  }))) {
    for (const [i, op] of [a, b].entries()) {
      const onChain = lists[i] ?? []
      t.same(follower.enginesAt(op, block), onChain, `${op.slice(0, 8)} at ${block}`)
      seen.add(`${op}:${onChain.join(',')}`)
    }
  }
  t.same([...seen].toSorted(), [`${a}:`, `${a}:ClamAV,YARA`, `${a}:YARA`, `${b}:`, `${b}:VirusMap-Heuristics`].toSorted(), 'every list was in force at some block')
  t.same(follower.enginesAt(a, follower.followedBlock + 1), [], 'nothing is claimed past the followed block')
})
