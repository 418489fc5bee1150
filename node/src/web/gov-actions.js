/**
 * What a token holder does on the governance page, through their own wallet: delegate, vote with
 * a reason, queue and execute, with the checks `virusmap gov` makes first (governance/src/gov.ts):
 * the proposal is Active, the voter had votes at its snapshot, the timelock delay is over. Calls
 * are encoded from the contracts' ABIs (abi-codec.js); the Governor is the pinned one, and it must
 * be the one whose timelock owns the pinned registry.
 */
// relative imports: the same module loads in the page (/web/) and in Node's tests
import { abiEncode, createAbi } from './abi-codec.js'
import { call, ensureChain, latestTimestamp, sendTransaction, WalletError } from './wallet.js'

export const STATE_NAMES = ['Pending', 'Active', 'Canceled', 'Defeated', 'Succeeded', 'Queued', 'Expired', 'Executed']
export const SUPPORT = { against: 0, for: 1, abstain: 2 }
/** a reason is stored in the VoteCast log; longer ones cost gas for nothing a page shows */
export const MAX_REASON = 2000
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const enc = new TextEncoder()

/** A governance action the page refuses, by code: NO_GOVERNOR | GOVERNOR_MISMATCH | NOT_ACTIVE | NO_VOTING_POWER | ALREADY_VOTED | WRONG_STATE | TOO_EARLY | INCOMPLETE | BAD_INPUT */
export class GovActionError extends Error {
  name = 'GovActionError'
  constructor (code, message) { super(message); this.code = code }
}

/**
 * The proposal's calls as queue/execute take them, from the node's proposal object, checked to
 * hash to the proposal's id (Governor.hashProposal) so a node cannot make the page queue another.
 */
export function proposalCalls (p, keccak) {
  const a = p?.attributes
  if (a === undefined || a.description_truncated !== false || !Array.isArray(a.actions) || a.actions.length !== a.action_count || a.actions.some((x) => x.calldata_truncated === true)) {
    throw new GovActionError('INCOMPLETE', `this node served proposal ${String(p?.id).slice(0, 20)}… cut short (a long description or many calls): queue or execute it with virusmap gov queue|execute`)
  }
  let id, calls
  try {
    id = BigInt(p.id)
    calls = [a.actions.map((x) => x.target), a.actions.map((x) => BigInt(x.value)), a.actions.map((x) => x.calldata), keccak(enc.encode(a.description))]
    const hash = keccak(abiEncode(['address[]', 'uint256[]', 'bytes[]', 'bytes32'], calls))
    if (BigInt(`0x${[...hash].map((b) => b.toString(16).padStart(2, '0')).join('')}`) === id) return { id, calls }
  } catch {
    // a malformed action is a mismatch like any other
  }
  throw new GovActionError('INCOMPLETE', `the calls this node served for proposal ${String(p.id).slice(0, 20)}… do not hash to its id: not sent`)
}

/**
 * Actions for one connected wallet: `abis` holds the artifacts' ABI arrays { governor, vmt,
 * registry, timelock }, `deployment` the pinned { chainId, registry, governor }.
 */
export function createGovActions ({ keccak, abis, provider, account, deployment }) {
  const governor = createAbi(abis.governor, keccak)
  const vmt = createAbi(abis.vmt, keccak)
  const registry = createAbi(abis.registry, keccak)
  const every = [governor, vmt, registry, createAbi(abis.timelock, keccak)]
  const explain = (data) => every.map((abi) => abi.decodeError(data)).find((x) => x !== undefined)
  const read = async (abi, to, name, args = []) => {
    const answer = await call(provider, to, abi.encode(name, args))
    try {
      return abi.decode(name, answer, args.length)
    } catch (err) {
      throw new WalletError('BAD_ANSWER', `Your wallet's answer to ${name} at ${to} is not what that contract returns (${err.message}): is the wallet on the right chain, and is ${to} the contract you pinned?`)
    }
  }
  let token

  /** the VMT address, once the wallet is on the pinned chain and the Governor is shown to govern the pinned registry */
  async function tokenAddress () {
    // every read goes through the wallet: it must be on the pinned chain first
    await ensureChain(provider, deployment.chainId)
    if (token !== undefined) return token
    const g = deployment.governor
    if (typeof g !== 'string' || !ADDRESS.test(g)) throw new GovActionError('NO_GOVERNOR', 'No Governor is pinned for this deployment: set it under "Deployment checked against".')
    const [[timelock], [owner]] = await Promise.all([
      read(governor, g, 'timelock').catch((err) => { throw new GovActionError('GOVERNOR_MISMATCH', `${g} does not answer as a Governor (timelock() failed: ${err.message.replace(/\.$/, '')}): check the Governor you pinned.`) }),
      read(registry, deployment.registry, 'owner')
    ])
    if (timelock !== owner) throw new GovActionError('GOVERNOR_MISMATCH', `Governor ${g} queues through timelock ${timelock}, but your registry ${deployment.registry} is owned by ${owner}: it is not this network's Governor.`)
    token = (await read(governor, g, 'token'))[0]
    return token
  }

  async function send (to, data, onHash) {
    return await sendTransaction(provider, { chainId: deployment.chainId, from: account, to, data, explain, onHash })
  }

  async function stateOf (id) {
    const [n] = await read(governor, deployment.governor, 'state', [id])
    return STATE_NAMES[Number(n)] ?? `state ${n}`
  }

  return {
    account,
    /** { token, balance, votes, delegatee } of the connected account, in wei */
    async status () {
      const t = await tokenAddress()
      const [[balance], [votes], [delegatee]] = await Promise.all([read(vmt, t, 'balanceOf', [account]), read(vmt, t, 'getVotes', [account]), read(vmt, t, 'delegates', [account])])
      return { token: t, balance, votes, delegatee }
    },
    async delegate (to, onHash) {
      if (typeof to !== 'string' || !ADDRESS.test(to.trim())) throw new GovActionError('BAD_INPUT', 'delegate to an address: 0x and 40 hex digits')
      return await send(await tokenAddress(), vmt.encode('delegate', [to.trim()]), onHash)
    },
    /** castVoteWithReason once the proposal is Active and the account had votes at its snapshot */
    async vote (id, supportName, reason, onHash) {
      const support = SUPPORT[supportName]
      if (support === undefined) throw new GovActionError('BAD_INPUT', 'vote for, against or abstain')
      if (typeof reason !== 'string' || reason.length > MAX_REASON) throw new GovActionError('BAD_INPUT', `a reason is at most ${MAX_REASON} characters`)
      await tokenAddress()
      const state = await stateOf(id)
      if (state !== 'Active') throw new GovActionError('NOT_ACTIVE', `Proposal ${String(id).slice(0, 12)}… is ${state}: votes are taken only while it is Active.`)
      const [[snapshot], [voted]] = await Promise.all([read(governor, deployment.governor, 'proposalSnapshot', [id]), read(governor, deployment.governor, 'hasVoted', [id, account])])
      if (voted) throw new GovActionError('ALREADY_VOTED', `${account} has already voted on this proposal.`)
      const [weight] = await read(governor, deployment.governor, 'getVotes', [account, snapshot])
      if (weight === 0n) throw new GovActionError('NO_VOTING_POWER', `${account} had no voting power at the proposal's snapshot block ${snapshot}: tokens count only once delegated (to yourself or another) before a proposal is made.`)
      const sent = await send(deployment.governor, governor.encode('castVoteWithReason', [id, support, reason]), onHash)
      return { ...sent, weight }
    },
    /** queue (Succeeded) or execute (Queued, timelock delay over) the node's proposal object `p` */
    async lifecycle (fn, p, onHash) {
      const { id, calls } = proposalCalls(p, keccak)
      await tokenAddress()
      const state = await stateOf(id)
      const need = fn === 'queue' ? 'Succeeded' : 'Queued'
      if (state !== need) throw new GovActionError('WRONG_STATE', `Proposal ${String(id).slice(0, 12)}… is ${state}; ${fn} needs it ${need}.`)
      if (fn === 'execute') {
        const [[eta], now] = await Promise.all([read(governor, deployment.governor, 'proposalEta', [id]), latestTimestamp(provider)])
        if (BigInt(now) < eta) throw new GovActionError('TOO_EARLY', `The timelock delay ends at ${new Date(Number(eta) * 1000).toISOString()} (${eta - BigInt(now)} s after the latest block): execute after that.`)
      }
      return await send(deployment.governor, governor.encode(fn, calls), onHash)
    },
    /** the proposal's state and tally as the chain has them now */
    async tally (id) {
      await tokenAddress()
      const [state, [against, forVotes, abstain]] = await Promise.all([stateOf(id), read(governor, deployment.governor, 'proposalVotes', [id])])
      return { state, votes: { against: against.toString(), for: forVotes.toString(), abstain: abstain.toString() } }
    }
  }
}
