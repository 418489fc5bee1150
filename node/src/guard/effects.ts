// Token events (and native transfers) from a simulated call, folded into what the user gains,
// loses and grants. Pure: both simulation paths (eth_simulateV1, callTracer) end here.
import { AbiCoder } from 'ethers'
import type { Address } from './input.ts'

export interface Log { address: string, topics: string[], data: string }

/** ERC-7528: eth_simulateV1 with traceTransfers reports native transfers as ERC-20 Transfer logs from this address */
export const NATIVE_TOKEN = '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'

export const TOPICS = {
  transfer: '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef',
  transferSingle: '0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62',
  transferBatch: '0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb',
  approval: '0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925',
  approvalForAll: '0x17307eab39ab6107e8899845ad3d59bd9653f200f220920489ca2b5937696c31',
  /** Permit2's Approval(owner, token, spender, uint160 amount, uint48 expiration): an allowance set by transaction */
  permit2Approval: '0xda9fa7c1b00402c17d0161b249b1ab8bbec047c5a52207b9c112deffd817036b',
  /** Permit2's Permit(owner, token, spender, uint160 amount, uint48 expiration, uint48 nonce): a signed allowance submitted */
  permit2Permit: '0xc6a377bfc4eb120024a8ac08eef205be16b817020812c73223e81d1bdb9708ec'
} as const

/**
 * Uniswap's Permit2, at the same address on every chain it is deployed to. Its allowances are spending
 * rights on the user's tokens like an ERC-20 approve, so a call that submits a PermitSingle to itself
 * grants as much as one that calls approve; only Permit2's own logs count (a copy elsewhere holds no
 * allowance the user granted by approving Permit2).
 */
export const PERMIT2 = '0x000000000022d473030f116ddee9f6b43ac78ba3'

export type Standard = 'native' | 'erc20' | 'erc721' | 'erc1155'

export interface AssetTransfer { standard: Standard, token: Address, from: Address, to: Address, id?: bigint, amount: bigint }

export interface GrantedApproval {
  standard: 'erc20' | 'erc721' | 'erc721-all'
  token: Address
  spender: Address
  /** ERC-20 allowance, or the ERC-721 token id */
  amount?: bigint
  id?: bigint
  /** setApprovalForAll: granted or revoked */
  approved?: boolean
  /** the contract that holds the allowance when it is not the token (Permit2) */
  via?: Address
  /** when the allowance lapses (Permit2's expiration, unix seconds) */
  expiresAt?: bigint
}

export interface Effects {
  /** native balance change of the user, without gas */
  native: bigint
  erc20: Array<{ token: Address, delta: bigint }>
  nfts: Array<{ standard: 'erc721' | 'erc1155', token: Address, id: bigint, delta: bigint }>
  approvals: GrantedApproval[]
  /** every asset movement that touches the user */
  transfers: AssetTransfer[]
  /** the call's other asset movements, in order, at most MAX_OTHER_MOVEMENTS: where what the user gets came from (rules/bait.ts) */
  others?: AssetTransfer[]
}

/** movements not touching the user kept per call; a real swap route has a few dozen */
export const MAX_OTHER_MOVEMENTS = 512

const coder = AbiCoder.defaultAbiCoder()
/** ids in one TransferBatch log read; more is not a real batch */
const MAX_BATCH = 256
const topicAddress = (t: string | undefined): Address | undefined => t !== undefined && /^0x0{24}[0-9a-fA-F]{40}$/.test(t) ? `0x${t.slice(26).toLowerCase()}` : undefined
const word = (t: string | undefined): bigint | undefined => t !== undefined && /^0x[0-9a-fA-F]{64}$/.test(t) ? BigInt(t) : undefined

/** One log as an asset transfer, approval, or nothing (other events, malformed logs). */
export function readLog (log: Log): { transfers: AssetTransfer[], approval?: GrantedApproval & { owner: Address } } {
  const token = log.address.toLowerCase() as Address
  const [topic0, t1, t2, t3] = log.topics.map(t => t.toLowerCase())
  try {
    if (topic0 === TOPICS.transfer) {
      const from = topicAddress(t1)
      const to = topicAddress(t2)
      if (from === undefined || to === undefined) return { transfers: [] }
      if (log.topics.length === 4) {
        const id = word(t3)
        return id === undefined ? { transfers: [] } : { transfers: [{ standard: 'erc721', token, from, to, id, amount: 1n }] }
      }
      const amount = word(log.data)
      if (amount === undefined) return { transfers: [] }
      return { transfers: [{ standard: token === NATIVE_TOKEN ? 'native' : 'erc20', token, from, to, amount }] }
    }
    if (topic0 === TOPICS.transferSingle || topic0 === TOPICS.transferBatch) {
      const from = topicAddress(t2)
      const to = topicAddress(t3)
      if (from === undefined || to === undefined) return { transfers: [] }
      const [ids, amounts] = topic0 === TOPICS.transferSingle
        ? coder.decode(['uint256', 'uint256'], log.data).map(v => [v as bigint])
        : coder.decode(['uint256[]', 'uint256[]'], log.data).map(v => [...v as bigint[]])
      if (ids === undefined || amounts === undefined || ids.length !== amounts.length || ids.length > MAX_BATCH) return { transfers: [] }
      return { transfers: ids.map((id, n) => ({ standard: 'erc1155' as const, token, from, to, id, amount: amounts[n] ?? 0n })) }
    }
    if (topic0 === TOPICS.approval) {
      const owner = topicAddress(t1)
      const spender = topicAddress(t2)
      if (owner === undefined || spender === undefined) return { transfers: [] }
      if (log.topics.length === 4) {
        const id = word(t3)
        return id === undefined ? { transfers: [] } : { transfers: [], approval: { owner, standard: 'erc721', token, spender, id } }
      }
      const amount = word(log.data)
      return amount === undefined ? { transfers: [] } : { transfers: [], approval: { owner, standard: 'erc20', token, spender, amount } }
    }
    if ((topic0 === TOPICS.permit2Approval || topic0 === TOPICS.permit2Permit) && token === PERMIT2) {
      const owner = topicAddress(t1)
      const asset = topicAddress(t2)
      const spender = topicAddress(t3)
      if (owner === undefined || asset === undefined || spender === undefined) return { transfers: [] }
      const types = topic0 === TOPICS.permit2Approval ? ['uint160', 'uint48'] : ['uint160', 'uint48', 'uint48']
      const [amount, expiration] = coder.decode(types, log.data) as unknown as [bigint, bigint]
      return { transfers: [], approval: { owner, standard: 'erc20', token: asset, spender, amount, via: PERMIT2, expiresAt: expiration } }
    }
    if (topic0 === TOPICS.approvalForAll) {
      const owner = topicAddress(t1)
      const spender = topicAddress(t2)
      const flag = word(log.data)
      if (owner === undefined || spender === undefined || flag === undefined) return { transfers: [] }
      return { transfers: [], approval: { owner, standard: 'erc721-all', token, spender, approved: flag !== 0n } }
    }
  } catch {
    // a log whose data does not decode is some other event with the same topic: not an asset movement
  }
  return { transfers: [] }
}

/** The user's effects from the logs (and native transfers) of one call, in order. */
export function foldEffects (user: Address, logs: readonly Log[], nativeTransfers: readonly AssetTransfer[] = []): Effects {
  const effects: Effects = { native: 0n, erc20: [], nfts: [], approvals: [], transfers: [], others: [] }
  const erc20 = new Map<Address, bigint>()
  const nfts = new Map<string, { standard: 'erc721' | 'erc1155', token: Address, id: bigint, delta: bigint }>()
  const touches = (t: AssetTransfer): boolean => t.from === user || t.to === user
  const all = [...nativeTransfers]
  for (const log of logs) {
    const { transfers, approval } = readLog(log)
    all.push(...transfers)
    if (approval !== undefined && approval.owner === user) {
      const { owner: _owner, ...granted } = approval
      effects.approvals.push(granted)
    }
  }
  for (const t of all) {
    if (t.from === t.to) continue
    if (!touches(t)) {
      if ((effects.others?.length ?? 0) < MAX_OTHER_MOVEMENTS) effects.others?.push(t)
      continue
    }
    effects.transfers.push(t)
    const sign = t.from === user ? -1n : 1n
    if (t.standard === 'native') effects.native += sign * t.amount
    else if (t.standard === 'erc20') erc20.set(t.token, (erc20.get(t.token) ?? 0n) + sign * t.amount)
    else {
      const key = `${t.token}/${t.id ?? 0n}`
      const entry = nfts.get(key) ?? { standard: t.standard, token: t.token, id: t.id ?? 0n, delta: 0n }
      entry.delta += sign * t.amount
      nfts.set(key, entry)
    }
  }
  effects.erc20 = [...erc20].filter(([, delta]) => delta !== 0n).map(([token, delta]) => ({ token, delta }))
  effects.nfts = [...nfts.values()].filter(n => n.delta !== 0n)
  return effects
}
