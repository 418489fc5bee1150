// Prints the gas each governance step costs, measured on a fresh anvil (Cancun, solc optimizer
// 200 runs): `npx node bench/governance-gas.ts` (add --json for a machine-readable list).
// The README's "Gas" table is this script's output.
import { Contract, JsonRpcProvider, encodeBytes32String, id, parseEther } from 'ethers'
import type { ContractTransactionResponse, JsonRpcSigner } from 'ethers'
import { startAnvil } from '../node/src/chain/anvil.ts'
import { blockNumber, increaseTime, mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { governorArtifact, parametersArtifact, registryArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { deployVirusMap } from '#governance/deploy.ts'
import { signBallot } from '#governance/ballot.ts'
import { membershipActions } from '#governance/gov.ts'
import type { Actions } from '#governance/gov.ts'

const anvil = await startAnvil({ port: 0 })
const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
const as = (contract: Contract, s: JsonRpcSigner): Contract => contract.connect(s) as Contract
const rows: Array<{ operation: string, gas: bigint, note: string }> = []

async function measure (operation: string, note: string, pending: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await pending).wait()
  if (receipt === null || receipt.status !== 1) throw new Error(`${operation} failed`)
  rows.push({ operation, gas: receipt.gasUsed, note })
}

try {
  const signers = await Promise.all([...Array(8).keys()].map(async (i) => await provider.getSigner(i)))
  const [deployer, alice, bob, carol, relayer, op1, op2, op3] = signers as JsonRpcSigner[] as [JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner, JsonRpcSigner]
  const deployment = await deployVirusMap({
    deployer,
    plan: {
      tokenSupply: parseEther('1000000'),
      votingDelay: 1,
      votingPeriod: 10,
      proposalThreshold: 0n,
      quorumNumerator: 4,
      timelockMinDelay: 3600,
      holders: [alice, bob, carol].map((s) => ({ address: s.address, amount: parseEther('100000') }))
    }
  })
  const c = deployment.contracts
  const governor = new Contract(c.governor, governorArtifact.abi, provider)
  const registry = new Contract(c.registry, registryArtifact.abi, provider)
  const vmt = new Contract(c.vmt, vmtArtifact.abi, provider)

  await measure('register (a candidate applies)', 'peer id, X25519 key, 21-byte metadata URI', as(registry, op1).getFunction('register')('12D3KooWGasTablePeerIdXXXXXXXXXXXXXXXXXXXXXXXXXXXX', `0x${'11'.repeat(32)}`, 'virusmap:engines=YARA'))
  for (const op of [op2, op3]) await (await as(registry, op).getFunction('register')('12D3KooWGasTablePeerIdYYYYYYYYYYYYYYYYYYYYYYYYYYYY', `0x${'22'.repeat(32)}`, '')).wait()
  await measure('delegate (first time, to self)', 'creates the first votes checkpoint', as(vmt, alice).getFunction('delegate')(alice.address))
  for (const s of [bob, carol]) await (await as(vmt, s).getFunction('delegate')(s.address)).wait()
  await mineBlocks(provider, 1)

  /** A full proposal; `label` names the action in the table. */
  async function cycle (label: string, actions: Actions, description: string): Promise<void> {
    await measure(`propose (${label})`, 'description with #proposer= suffix', as(governor, alice).getFunction('propose')(actions.targets, actions.values, actions.calldatas, description))
    const pid = await governor.getFunction('hashProposal')(actions.targets, actions.values, actions.calldatas, id(description)) as bigint
    const snapshot = await governor.getFunction('proposalSnapshot')(pid) as bigint
    await mineBlocks(provider, snapshot + 1n - BigInt(await blockNumber(provider)))
    await measure('castVote', 'first vote on the proposal: sets its tally slot', as(governor, alice).getFunction('castVote')(pid, 1))
    await measure('castVoteWithReason', 'second vote, 40-character reason', as(governor, bob).getFunction('castVoteWithReason')(pid, 1, 'runs YARA and ClamAV, 99.9% uptime.....'))
    const ballot = await signBallot(carol, { chainId: anvil.chainId, governor: c.governor, proposalId: pid, support: 1, nonce: 0n, reason: '' })
    await measure('castVoteBySig (Ballot, relayed)', 'third vote, signed offline, gas paid by a relayer', as(governor, relayer).getFunction('castVoteBySig')(pid, 1, carol.address, ballot.signature))
    const deadline = await governor.getFunction('proposalDeadline')(pid) as bigint
    await mineBlocks(provider, deadline + 1n - BigInt(await blockNumber(provider)))
    await measure(`queue (${label})`, 'schedules the batch on the timelock', as(governor, alice).getFunction('queue')(actions.targets, actions.values, actions.calldatas, id(description)))
    await increaseTime(provider, 3601)
    await measure(`execute (${label})`, 'first admission of the operator', as(governor, relayer).getFunction('execute')(actions.targets, actions.values, actions.calldatas, id(description)))
  }
  async function measureCycleWithoutBySig (label: string, actions: Actions, description: string): Promise<void> {
    await measure(`propose (${label})`, 'two calls in one proposal', as(governor, alice).getFunction('propose')(actions.targets, actions.values, actions.calldatas, description))
    const pid = await governor.getFunction('hashProposal')(actions.targets, actions.values, actions.calldatas, id(description)) as bigint
    const snapshot = await governor.getFunction('proposalSnapshot')(pid) as bigint
    await mineBlocks(provider, snapshot + 1n - BigInt(await blockNumber(provider)))
    for (const s of [alice, bob]) await (await as(governor, s).getFunction('castVote')(pid, 1)).wait()
    const deadline = await governor.getFunction('proposalDeadline')(pid) as bigint
    await mineBlocks(provider, deadline + 1n - BigInt(await blockNumber(provider)))
    await measure(`queue (${label})`, '', as(governor, alice).getFunction('queue')(actions.targets, actions.values, actions.calldatas, id(description)))
    await increaseTime(provider, 3601)
    await measure(`execute (${label})`, '', as(governor, relayer).getFunction('execute')(actions.targets, actions.values, actions.calldatas, id(description)))
  }

  await cycle('admit 1 member', membershipActions(c.registry, 'admit', [op1.address]), `Admit op1\n\n#proposer=${alice.address.toLowerCase()}`)
  const two = membershipActions(c.registry, 'admit', [op2.address, op3.address])
  await measureCycleWithoutBySig('admit 2 members', two, `Admit op2 and op3\n\n#proposer=${alice.address.toLowerCase()}`)

  // The registry calls alone, as the timelock sends them (impersonated), without governor overhead.
  await provider.send('anvil_impersonateAccount', [c.timelock])
  await setBalance(provider, c.timelock, parseEther('1'))
  const timelockSigner = await provider.getSigner(c.timelock)
  await measure('registry.remove (by the timelock)', 'membership checkpoint to 0', as(registry, timelockSigner).getFunction('remove')(op1.address))
  await measure('registry.admit (by the timelock, re-admission)', 'a new membership checkpoint', as(registry, timelockSigner).getFunction('admit')(op1.address))
  await measure('registry.setEngines (by the timelock)', '5 engine ids, first list of the operator', as(registry, timelockSigner).getFunction('setEngines')(op1.address, ['YARA', 'ClamAV', 'VirusMap-Heuristics', 'VirusMap-HashList', 'VirusMap-Archive']))
  await measure('registry.setTermBlocks (by the timelock)', 'terms for admissions from now on', as(registry, timelockSigner).getFunction('setTermBlocks')(50_400))
  await measure('registry.admit (re-election, renews the term)', 'member already in; term end moves', as(registry, timelockSigner).getFunction('admit')(op1.address))
  const parameters = new Contract(c.parameters!, parametersArtifact.abi, provider)
  await measure('parameters.set (by the timelock)', 'checkpointed network parameter', as(parameters, timelockSigner).getFunction('set')(encodeBytes32String('commitWindowMs'), 7000))
  await provider.send('anvil_stopImpersonatingAccount', [c.timelock])
  await measure('resign (a member leaves)', 'same MemberRemoved event as a removal', as(registry, op2).getFunction('resign')())

  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(rows.map((r) => ({ ...r, gas: Number(r.gas) })), null, 2) + '\n')
  } else {
    const w = Math.max(...rows.map((r) => r.operation.length))
    process.stdout.write(`| ${'operation'.padEnd(w)} | gas     | note |\n| ${'-'.repeat(w)} | ------: | ---- |\n`)
    for (const r of rows) process.stdout.write(`| ${r.operation.padEnd(w)} | ${r.gas.toString().padStart(7)} | ${r.note} |\n`)
  }
} finally {
  provider.destroy()
  await anvil.stop()
}
