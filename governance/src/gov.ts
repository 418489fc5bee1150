// The token holder's Governor operations, one transaction each (no time travel): what
// `virusmap gov` runs against any RPC. Proposals are found from their ProposalCreated events,
// so queue/execute/cancel need only the proposal id.
import { Contract, Interface, decodeBytes32String, encodeBytes32String, getAddress, id, isHexString } from 'ethers'
import type { ContractTransactionResponse, Provider, Signer } from 'ethers'
import { evidenceArtifact, governorArtifact, marketArtifact, parametersArtifact, registryArtifact, timelockArtifact, vmtArtifact } from './artifacts.ts'
import { GovernanceError } from './errors.ts'
import type { VirusMapContracts } from './deploy.ts'

export const STATE_NAMES = ['Pending', 'Active', 'Canceled', 'Defeated', 'Succeeded', 'Queued', 'Expired', 'Executed'] as const
export type StateName = typeof STATE_NAMES[number]
export const SUPPORT = { against: 0, for: 1, abstain: 2 } as const
export type SupportName = keyof typeof SUPPORT

export const governorInterface = new Interface(governorArtifact.abi)
export const registryInterface = new Interface(registryArtifact.abi)
export const parametersInterface = new Interface(parametersArtifact.abi)
const vmtInterface = new Interface(vmtArtifact.abi)
export const evidenceInterface = new Interface(evidenceArtifact.abi)
export const marketInterface = new Interface(marketArtifact.abi)
const ifaces = [governorInterface, registryInterface, parametersInterface, evidenceInterface, new Interface(vmtArtifact.abi), new Interface(timelockArtifact.abi), marketInterface]

export interface Gov {
  contracts: VirusMapContracts
  provider: Provider
  governor: Contract
  vmt: Contract
  registry: Contract
  timelock: Contract
  /** Where ProposalCreated events are searched from. */
  fromBlock: number
}

export function openGov (contracts: VirusMapContracts, provider: Provider, fromBlock: number): Gov {
  return {
    contracts,
    provider,
    fromBlock,
    governor: new Contract(contracts.governor, governorArtifact.abi, provider),
    vmt: new Contract(contracts.vmt, vmtArtifact.abi, provider),
    registry: new Contract(contracts.registry, registryArtifact.abi, provider),
    timelock: new Contract(contracts.timelock, timelockArtifact.abi, provider)
  }
}

export interface Actions { targets: string[], values: bigint[], calldatas: string[] }

/** Several action lists as the one proposal that runs them in order. */
export function joinActions (...lists: readonly Actions[]): Actions {
  return { targets: lists.flatMap((a) => a.targets), values: lists.flatMap((a) => a.values), calldatas: lists.flatMap((a) => a.calldatas) }
}

export interface Proposal extends Actions {
  id: bigint
  proposer: string
  description: string
  voteStart: bigint
  voteEnd: bigint
  createdBlock: number
}

/** One line for a revert: the custom error name and arguments decoded by our ABIs. */
export function revertReason (err: unknown): string | undefined {
  const e = err as { revert?: { name: string, args: unknown[] } | null, data?: unknown, info?: { error?: { data?: unknown } }, error?: { data?: unknown } }
  if (e?.revert != null) return `${e.revert.name}(${e.revert.args.map(String).join(', ')})`
  for (const data of [e?.data, e?.info?.error?.data, e?.error?.data]) {
    if (typeof data !== 'string' || !isHexString(data) || data.length < 10) continue
    for (const iface of ifaces) {
      const parsed = iface.parseError(data)
      if (parsed !== null) return `${parsed.name}(${[...parsed.args].map(String).join(', ')})`
    }
  }
  return undefined
}

/** Sends a transaction; a revert becomes GovernanceError('REVERTED') naming the contract's error. */
export async function sendTx (what: string, pending: () => Promise<ContractTransactionResponse>): Promise<{ hash: string, blockNumber: number, gasUsed: bigint, logs: readonly unknown[] }> {
  let receipt
  try {
    receipt = await (await pending()).wait()
  } catch (err) {
    const reason = revertReason(err)
    if (reason !== undefined) throw new GovernanceError('REVERTED', `${what} reverted: ${reason}`)
    throw err
  }
  if (receipt === null || receipt.status !== 1) throw new GovernanceError('TRANSACTION_FAILED', `${what}: transaction failed`)
  return { hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, logs: receipt.logs }
}

export function parseSupport (text: string): number {
  const support = SUPPORT[text.toLowerCase() as SupportName]
  if (support === undefined) throw new GovernanceError('BAD_BALLOT', `vote must be for, against or abstain, got "${text.slice(0, 40)}"`)
  return support
}

/** Appends OpenZeppelin's `#proposer=0x…` suffix: the Governor then rejects the same description from anyone else. */
export function withProposerSuffix (description: string, proposer: string): string {
  return /#proposer=0x[0-9a-fA-F]{40}$/.test(description) ? description : `${description}\n\n#proposer=${proposer.toLowerCase()}`
}

export function membershipActions (registry: string, fn: 'admit' | 'remove', operators: string[]): Actions {
  return {
    targets: operators.map(() => registry),
    values: operators.map(() => 0n),
    calldatas: operators.map((operator) => registryInterface.encodeFunctionData(fn, [operator]))
  }
}

/** Registry settings changed by governance, by their `gov propose set-param` names. */
export const REGISTRY_PARAMETERS = { termBlocks: 'setTermBlocks', maxMembers: 'setMaxMembers', unbondingBlocks: 'setUnbondingBlocks' } as const

/** `set-param NAME VALUE`: a registry setting (termBlocks, maxMembers, unbondingBlocks, candidateBond in VMT wei) or a NetworkParameters key (any short name; new keys are allowed). */
export function setParamActions (contracts: VirusMapContracts, name: string, value: bigint): Actions {
  if (name === 'candidateBond') {
    return { targets: [contracts.registry], values: [0n], calldatas: [registryInterface.encodeFunctionData('setCandidateBond', [value === 0n ? '0x0000000000000000000000000000000000000000' : contracts.vmt, value])] }
  }
  const registryFn = REGISTRY_PARAMETERS[name as keyof typeof REGISTRY_PARAMETERS]
  if (registryFn !== undefined) {
    const max = name === 'maxMembers' ? 2n ** 32n : 2n ** 48n
    if (value >= max) throw new GovernanceError('BAD_INPUT', `${name} must be below ${max}`)
    return { targets: [contracts.registry], values: [0n], calldatas: [registryInterface.encodeFunctionData(registryFn, [value])] }
  }
  if (contracts.parameters === undefined) throw new GovernanceError('BAD_INPUT', 'this deployment has no NetworkParameters contract')
  if (!/^[A-Za-z][A-Za-z0-9]{0,30}$/.test(name)) throw new GovernanceError('BAD_INPUT', `parameter names are 1-31 letters and digits, got "${name.slice(0, 40)}"`)
  if (value >= 2n ** 208n) throw new GovernanceError('BAD_INPUT', `${name} must be below 2^208`)
  return { targets: [contracts.parameters], values: [0n], calldatas: [parametersInterface.encodeFunctionData('set', [encodeBytes32String(name), value])] }
}

/** `fund TO AMOUNT`: pays VMT from the timelock's treasury. */
export function fundActions (contracts: VirusMapContracts, to: string, amount: bigint): Actions {
  return { targets: [contracts.vmt], values: [0n], calldatas: [vmtInterface.encodeFunctionData('transfer', [to, amount])] }
}

/** Current network parameters and registry settings. */
export async function readParameters (gov: Gov): Promise<Record<string, string>> {
  const out: Record<string, string> = {
    termBlocks: (await gov.registry.getFunction('termBlocks')() as bigint).toString(),
    maxMembers: (await gov.registry.getFunction('maxMembers')() as bigint).toString(),
    unbondingBlocks: (await gov.registry.getFunction('unbondingBlocks')() as bigint).toString(),
    candidateBond: (await gov.registry.getFunction('candidateBond')() as bigint).toString()
  }
  if (gov.contracts.parameters === undefined) return out
  const parameters = new Contract(gov.contracts.parameters, parametersArtifact.abi, gov.provider)
  for (const key of await parameters.getFunction('keys')() as string[]) {
    out[decodeBytes32String(key)] = (await parameters.getFunction('get')(key) as bigint).toString()
  }
  return out
}

export function proposalId (gov: Gov, actions: Actions, description: string): Promise<bigint> {
  return gov.governor.getFunction('hashProposal')(actions.targets, actions.values, actions.calldatas, id(description)) as Promise<bigint>
}

export async function delegate (gov: Gov, signer: Signer, delegatee: string): Promise<{ hash: string }> {
  return await sendTx('delegate', async () => await (gov.vmt.connect(signer) as Contract).getFunction('delegate')(delegatee) as ContractTransactionResponse)
}

export async function propose (gov: Gov, signer: Signer, actions: Actions, description: string): Promise<{ id: bigint, hash: string, blockNumber: number }> {
  const address = await signer.getAddress()
  const [threshold, clock] = await Promise.all([
    gov.governor.getFunction('proposalThreshold')() as Promise<bigint>,
    gov.governor.getFunction('clock')() as Promise<bigint>
  ])
  if (threshold > 0n) {
    const votes = await gov.vmt.getFunction('getVotes')(address) as bigint
    if (votes < threshold) {
      throw new GovernanceError('NO_VOTING_POWER', `${address} has ${votes} votes, the proposal threshold is ${threshold} (delegate to yourself first) at block ${clock}`)
    }
  }
  const full = withProposerSuffix(description, address)
  const pid = await proposalId(gov, actions, full)
  const sent = await sendTx('propose', async () => await (gov.governor.connect(signer) as Contract).getFunction('propose')(actions.targets, actions.values, actions.calldatas, full) as ContractTransactionResponse)
  return { id: pid, ...sent }
}

const LOG_CHUNK = 5000

/** Every proposal made since `gov.fromBlock`, oldest first. */
export async function listProposals (gov: Gov): Promise<Proposal[]> {
  const filter = gov.governor.filters.ProposalCreated!()
  let events
  try {
    events = await gov.governor.queryFilter(filter, gov.fromBlock)
  } catch {
    // Public RPCs cap eth_getLogs ranges: read the history in chunks instead.
    events = []
    const head = await gov.provider.getBlockNumber()
    for (let from = gov.fromBlock; from <= head; from += LOG_CHUNK) {
      events.push(...await gov.governor.queryFilter(filter, from, Math.min(head, from + LOG_CHUNK - 1)))
    }
  }
  return events.map((ev) => {
    const a = (ev as unknown as { args: unknown[] }).args
    return {
      id: a[0] as bigint,
      proposer: getAddress(a[1] as string),
      targets: [...a[2] as string[]],
      values: [...a[3] as bigint[]],
      calldatas: [...a[5] as string[]],
      voteStart: a[6] as bigint,
      voteEnd: a[7] as bigint,
      description: a[8] as string,
      createdBlock: ev.blockNumber
    }
  })
}

export function parseProposalId (text: string): bigint {
  if (!/^(\d{1,78}|0x[0-9a-fA-F]{1,64})$/.test(text)) throw new GovernanceError('UNKNOWN_PROPOSAL', `not a proposal id: "${text.slice(0, 80)}"`)
  return BigInt(text)
}

export async function findProposal (gov: Gov, pid: bigint): Promise<Proposal> {
  // proposalSnapshot is 0 for an id the Governor never saw: cheaper than a log scan.
  const snapshot = await gov.governor.getFunction('proposalSnapshot')(pid) as bigint
  const found = snapshot === 0n ? undefined : (await listProposals(gov)).find((p) => p.id === pid)
  if (found === undefined) throw new GovernanceError('UNKNOWN_PROPOSAL', `unknown proposal ${pid}`)
  return found
}

export interface ProposalStatus {
  id: string
  state: StateName
  proposer: string
  description: string
  snapshot: number
  deadline: number
  votes: { against: string, for: string, abstain: string }
  /** Votes needed (for + abstain) at the snapshot; null while the snapshot block is not yet past. */
  quorum: string | null
  /** Unix seconds from which a queued proposal can execute; null unless queued. */
  eta: number | null
  actions: Array<{ target: string, value: string, calldata: string, call?: string }>
}

export async function proposalStatus (gov: Gov, p: Proposal): Promise<ProposalStatus> {
  const g = gov.governor
  const [state, votes, eta, clock] = await Promise.all([
    g.getFunction('state')(p.id) as Promise<bigint>,
    g.getFunction('proposalVotes')(p.id) as Promise<[bigint, bigint, bigint]>,
    g.getFunction('proposalEta')(p.id) as Promise<bigint>,
    g.getFunction('clock')() as Promise<bigint>
  ])
  const quorum = p.voteStart < clock ? await g.getFunction('quorum')(p.voteStart) as bigint : null
  return {
    id: p.id.toString(),
    state: STATE_NAMES[Number(state)] ?? 'Pending',
    proposer: p.proposer,
    description: p.description,
    snapshot: Number(p.voteStart),
    deadline: Number(p.voteEnd),
    votes: { against: votes[0].toString(), for: votes[1].toString(), abstain: votes[2].toString() },
    quorum: quorum?.toString() ?? null,
    eta: eta === 0n ? null : Number(eta),
    actions: p.targets.map((target, i) => {
      const calldata = p.calldatas[i] ?? '0x'
      let call: string | undefined
      const known: Array<[string | undefined, string, Interface]> = [
        [gov.contracts.registry, 'registry', registryInterface], [gov.contracts.vmt, 'VMT', vmtInterface], [gov.contracts.parameters, 'parameters', parametersInterface],
        [gov.contracts.market, 'market', marketInterface]
      ]
      for (const [address, label, iface] of known) {
        if (target.toLowerCase() !== address) continue
        const parsed = iface.parseTransaction({ data: calldata })
        if (parsed === null) continue
        // a parameter's key and a product's id are short names
        const args = parsed.args.map((a: unknown) => typeof a === 'string' && /^0x[0-9a-f]{64}$/.test(a) && (label === 'parameters' || label === 'market') ? shortName(a) : String(a))
        call = `${label}.${parsed.name}(${args.join(', ')})`
      }
      return { target, value: (p.values[i] ?? 0n).toString(), calldata, ...(call === undefined ? {} : { call }) }
    })
  }
}

/** A bytes32 as the short name it encodes, else as hex (a raw proposal may carry any bytes). */
function shortName (word: string): string {
  try {
    return decodeBytes32String(word)
  } catch {
    return word
  }
}

export async function expectVotingPower (gov: Gov, voter: string, p: Proposal): Promise<bigint> {
  const state = Number(await gov.governor.getFunction('state')(p.id) as bigint)
  if (STATE_NAMES[state] !== 'Active') {
    throw new GovernanceError('PROPOSAL_NOT_ACTIVE', `proposal ${p.id} is ${STATE_NAMES[state]}, votes are taken only while it is Active (blocks ${p.voteStart + 1n}..${p.voteEnd})`)
  }
  const weight = await gov.governor.getFunction('getVotes')(voter, p.voteStart) as bigint
  if (weight === 0n) {
    throw new GovernanceError('NO_VOTING_POWER', `${voter} had no voting power at the proposal's snapshot block ${p.voteStart} (tokens must be delegated before a proposal is made)`)
  }
  return weight
}

export async function castVote (gov: Gov, signer: Signer, p: Proposal, support: number, reason: string): Promise<{ hash: string, weight: bigint }> {
  const weight = await expectVotingPower(gov, await signer.getAddress(), p)
  const g = gov.governor.connect(signer) as Contract
  const sent = await sendTx('vote', async () => (reason === ''
    ? await g.getFunction('castVote')(p.id, support)
    : await g.getFunction('castVoteWithReason')(p.id, support, reason)) as ContractTransactionResponse)
  return { hash: sent.hash, weight }
}

async function lifecycle (fn: 'queue' | 'execute' | 'cancel', gov: Gov, signer: Signer, p: Proposal): Promise<{ hash: string, blockNumber: number }> {
  const state = STATE_NAMES[Number(await gov.governor.getFunction('state')(p.id) as bigint)]
  const need = { queue: ['Succeeded'], execute: ['Queued'], cancel: ['Pending'] }[fn]
  if (state === undefined || !need.includes(state)) {
    throw new GovernanceError('REVERTED', `cannot ${fn} proposal ${p.id}: it is ${state}, ${fn} needs ${need.join(' or ')}`)
  }
  if (fn === 'execute') {
    const eta = await gov.governor.getFunction('proposalEta')(p.id) as bigint
    const block = await gov.provider.getBlock('latest')
    if (block !== null && BigInt(block.timestamp) < eta) {
      throw new GovernanceError('REVERTED', `cannot execute proposal ${p.id} yet: the timelock delay ends at ${new Date(Number(eta) * 1000).toISOString()} (${eta - BigInt(block.timestamp)} s from the latest block)`)
    }
  }
  const g = gov.governor.connect(signer) as Contract
  return await sendTx(fn, async () => await g.getFunction(fn)(p.targets, p.values, p.calldatas, id(p.description)) as ContractTransactionResponse)
}

export const queueProposal = async (gov: Gov, signer: Signer, p: Proposal): Promise<{ hash: string, blockNumber: number }> => await lifecycle('queue', gov, signer, p)
export const executeProposal = async (gov: Gov, signer: Signer, p: Proposal): Promise<{ hash: string, blockNumber: number }> => await lifecycle('execute', gov, signer, p)
export const cancelProposal = async (gov: Gov, signer: Signer, p: Proposal): Promise<{ hash: string, blockNumber: number }> => await lifecycle('cancel', gov, signer, p)

export interface MemberInfo {
  operator: string
  peerId: string
  x25519Key: string
  metadataURI: string
  registeredAt: number
  /** Block at which the membership lapses; null when it has no term. */
  termEnd: number | null
  /** The engines governance declared for it (SupernodeRegistry.engines), in the order set. */
  engines: string[]
}

export async function listMembers (gov: Gov): Promise<MemberInfo[]> {
  const members = await gov.registry.getFunction('members')() as string[]
  return await Promise.all([...members].map(async (operator) => {
    const [[peerId, x25519Key, metadataURI, registeredAt], end, noTerm, engines] = await Promise.all([
      gov.registry.getFunction('candidate')(operator) as Promise<[string, string, string, bigint]>,
      gov.registry.getFunction('termEnd')(operator) as Promise<bigint>,
      gov.registry.getFunction('NO_TERM')() as Promise<bigint>,
      gov.registry.getFunction('engines')(operator) as Promise<string[]>
    ])
    return {
      operator: getAddress(operator), peerId, x25519Key, metadataURI, registeredAt: Number(registeredAt), termEnd: end === noTerm ? null : Number(end), engines: [...engines]
    }
  }))
}

