// The full Governor flow (delegate, propose, vote, queue, execute) and membership elections on top.
// ANVIL ONLY: it moves the chain past the voting delay/period with anvil_mine and past the timelock
// delay with evm_increaseTime, so it drives a local devnet in seconds; on a real chain the same
// steps happen over days, by separate holders (see `virusmap gov`).
import { Contract, ZeroAddress, id } from 'ethers'
import type { BigNumberish, ContractTransactionResponse, JsonRpcProvider, Signer } from 'ethers'
import { blockNumber, increaseTime, mineBlocks } from './anvil-time.ts'
import { governorArtifact, timelockArtifact, vmtArtifact } from './artifacts.ts'
import { setEnginesActions } from './engines.ts'
import { GovernanceError } from './errors.ts'
import { joinActions, membershipActions } from './gov.ts'
import type { Actions } from './gov.ts'
import { nonceManaged } from './nonces.ts'
import type { AbortOptions } from '@libp2p/interface'

/** Governor ProposalState values (OpenZeppelin IGovernor). */
export const ProposalState = {
  Pending: 0n, Active: 1n, Canceled: 2n, Defeated: 3n, Succeeded: 4n, Queued: 5n, Expired: 6n, Executed: 7n
} as const
const STATE_NAMES = Object.keys(ProposalState)

export interface ProposeAndExecuteInput {
  governor: string
  timelock: string
  /** Submits the proposal; needs proposalThreshold votes (it self-delegates if it has none). */
  proposer: Signer
  /** Each self-delegates if undelegated (before the proposal, so it counts) and votes For. */
  voters: Signer[]
  targets: string[]
  values: BigNumberish[]
  calldatas: string[]
  description: string
  provider: JsonRpcProvider
}

export interface ProposalResult {
  proposalId: bigint
  /** Block that executed the proposal: its effects hold from this block on. */
  executionBlock: number
}

export async function proposeAndExecute (input: ProposeAndExecuteInput, options: AbortOptions = {}): Promise<ProposalResult> {
  const { provider, targets, values, calldatas, description } = input
  const { signal } = options
  const governor = new Contract(input.governor, governorArtifact.abi, provider)
  const timelock = new Contract(input.timelock, timelockArtifact.abi, provider)
  const token = new Contract(await governor.getFunction('token')() as string, vmtArtifact.abi, provider)
  const managed = nonceManaged()
  const proposer = await managed(input.proposer)
  const voters: Signer[] = []
  // One at a time: the same account may appear twice and must share one nonce manager.
  for (const voter of input.voters) voters.push(await managed(voter))

  // Votes count from checkpoints strictly before the snapshot, so delegate first and mine a block.
  for (const signer of [proposer, ...voters]) {
    signal?.throwIfAborted()
    const address = await signer.getAddress()
    if (await token.getFunction('delegates')(address) === ZeroAddress) {
      await send((token.connect(signer) as Contract).getFunction('delegate')(address))
    }
  }
  await mineBlocks(provider, 1, { signal })

  signal?.throwIfAborted()
  const descriptionHash = id(description)
  const proposalId = await governor.getFunction('hashProposal')(targets, values, calldatas, descriptionHash) as bigint
  await send((governor.connect(proposer) as Contract).getFunction('propose')(targets, values, calldatas, description))

  const snapshot = await governor.getFunction('proposalSnapshot')(proposalId) as bigint
  await mineBlocks(provider, snapshot + 1n - BigInt(await blockNumber(provider)), { signal })
  await expectState(governor, provider, proposalId, ProposalState.Active)

  for (const voter of voters) {
    signal?.throwIfAborted()
    await send((governor.connect(voter) as Contract).getFunction('castVote')(proposalId, 1))
  }

  const deadline = await governor.getFunction('proposalDeadline')(proposalId) as bigint
  await mineBlocks(provider, deadline + 1n - BigInt(await blockNumber(provider)), { signal })
  await expectState(governor, provider, proposalId, ProposalState.Succeeded)

  signal?.throwIfAborted()
  await send((governor.connect(proposer) as Contract).getFunction('queue')(targets, values, calldatas, descriptionHash))
  const minDelay = await timelock.getFunction('getMinDelay')() as bigint
  await increaseTime(provider, minDelay + 1n, { signal })

  signal?.throwIfAborted()
  const receipt = await send((governor.connect(proposer) as Contract).getFunction('execute')(targets, values, calldatas, descriptionHash))
  return { proposalId, executionBlock: receipt.blockNumber }
}

export interface MembershipChangeInput extends Omit<ProposeAndExecuteInput, 'targets' | 'values' | 'calldatas' | 'description'> {
  registry: string
  /** Operator addresses (each must have called register() before it can be admitted). */
  operators: string[]
  /** Defaults to a text naming the operators and the current block (so a repeat is a new proposal). */
  description?: string
}

export interface ElectionInput extends MembershipChangeInput {
  /**
   * Engine ids to declare per operator address (those elected here, or members already), set in
   * the same proposal before the admissions, so a member's engines hold from its first block.
   */
  engines?: Record<string, readonly string[]>
}

/** Proposes and executes the `setEngines` calls, then one `admit(operator)` call per operator, in one proposal. */
export async function electMembers (input: ElectionInput, options: AbortOptions = {}): Promise<ProposalResult> {
  const { engines, ...rest } = input
  const declared = Object.entries(engines ?? {})
  const what = [
    ...(rest.operators.length > 0 ? [`Admit supernodes ${rest.operators.join(', ')}`] : []),
    ...(declared.length > 0 ? [`set the engines of ${declared.map(([operator]) => operator).join(', ')}`] : [])
  ].join('; ')
  return await changeMembers('admit', rest, [setEnginesActions(input.registry, declared)], what, options)
}

/** Proposes and executes one `remove(operator)` call per operator, in one proposal. */
export async function removeMembers (input: MembershipChangeInput, options: AbortOptions = {}): Promise<ProposalResult> {
  return await changeMembers('remove', input, [], `Remove supernodes ${input.operators.join(', ')}`, options)
}

/** `before` runs ahead of the membership calls; `what` leads the default description. */
async function changeMembers (fn: 'admit' | 'remove', input: MembershipChangeInput, before: Actions[], what: string, options: AbortOptions): Promise<ProposalResult> {
  const { registry, operators, ...rest } = input
  // the block keeps a repeat of the same change a new proposal
  const description = input.description ?? `${what} (block ${await blockNumber(input.provider)})`
  const actions = [...before, membershipActions(registry, fn, operators)]
  return await proposeAndExecute({ ...rest, ...joinActions(...actions), description }, options)
}

async function expectState (governor: Contract, provider: JsonRpcProvider, proposalId: bigint, expected: bigint): Promise<void> {
  // An explicit block tag keeps ethers from answering with a cached result from before mining.
  const state = await governor.getFunction('state')(proposalId, { blockTag: await blockNumber(provider) }) as bigint
  if (state !== expected) {
    const code = expected === ProposalState.Active ? 'PROPOSAL_NOT_ACTIVE' : 'PROPOSAL_NOT_SUCCEEDED'
    throw new GovernanceError(code, `proposal ${proposalId} is ${STATE_NAMES[Number(state)] ?? state}, expected ${STATE_NAMES[Number(expected)]}`)
  }
}

async function send (pending: Promise<ContractTransactionResponse>): Promise<{ blockNumber: number }> {
  const receipt = await (await pending).wait()
  if (receipt === null || receipt.status !== 1) throw new GovernanceError('TRANSACTION_FAILED', 'transaction failed')
  return receipt
}
