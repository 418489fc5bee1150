// Transaction calldata to actions: the token methods a drainer asks a wallet to sign. Pure.
import { AbiCoder, Interface } from 'ethers'
import type { Action } from './actions.ts'
import { GuardError } from './guard-error.ts'
import type { Address } from './input.ts'

const TOKEN_ABI = new Interface([
  'function transfer(address to, uint256 amount)',
  'function transferFrom(address from, address to, uint256 amountOrId)',
  'function approve(address spender, uint256 amount)',
  'function increaseAllowance(address spender, uint256 amount)',
  'function setApprovalForAll(address operator, bool approved)',
  'function safeTransferFrom(address from, address to, uint256 id)',
  'function safeTransferFrom(address from, address to, uint256 id, bytes data)',
  'function safeTransferFrom(address from, address to, uint256 id, uint256 amount, bytes data)',
  'function safeBatchTransferFrom(address from, address to, uint256[] ids, uint256[] amounts, bytes data)',
  'function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)'
])
const coder = AbiCoder.defaultAbiCoder()
/** ids in one ERC-1155 batch the guard reads */
const MAX_BATCH = 256

const lower = (a: unknown): Address => String(a).toLowerCase() as Address

/** The actions of a call to `to` with `data` and `value`; a plain value transfer when data is empty. */
export function decodeCalldata (to: Address, data: `0x${string}`, value: bigint): Action[] {
  const actions: Action[] = []
  if (data === '0x') {
    actions.push({ kind: 'native-transfer', to, value })
    return actions
  }
  if (data.length < 10) throw new GuardError('BAD_CALLDATA', 'calldata shorter than a 4-byte selector')
  const selector = data.slice(0, 10)
  const fn = TOKEN_ABI.getFunction(selector)
  if (fn === null) {
    actions.push({ kind: 'contract-call', to, selector })
  } else {
    let args: ReturnType<typeof coder.decode>
    try {
      args = coder.decode(fn.inputs, `0x${data.slice(10)}`)
    } catch (err) {
      throw new GuardError('BAD_CALLDATA', `${fn.name} arguments do not decode`, { cause: err })
    }
    actions.push(toAction(fn.format('sighash'), to, args))
  }
  if (value > 0n) actions.push({ kind: 'native-transfer', to, value })
  return actions
}

function toAction (signature: string, token: Address, a: ReturnType<typeof coder.decode>): Action {
  switch (signature) {
    case 'transfer(address,uint256)': return { kind: 'transfer', token, to: lower(a[0]), amount: a[1] as bigint }
    case 'transferFrom(address,address,uint256)': return { kind: 'transfer-from', token, from: lower(a[0]), to: lower(a[1]), amountOrId: a[2] as bigint }
    case 'approve(address,uint256)': return { kind: 'approve', via: 'approve', token, spender: lower(a[0]), amount: a[1] as bigint }
    case 'increaseAllowance(address,uint256)': return { kind: 'approve', via: 'increaseAllowance', token, spender: lower(a[0]), amount: a[1] as bigint }
    case 'setApprovalForAll(address,bool)': return { kind: 'approval-for-all', token, operator: lower(a[0]), approved: a[1] as boolean }
    case 'safeTransferFrom(address,address,uint256)':
    case 'safeTransferFrom(address,address,uint256,bytes)':
      return { kind: 'nft-transfer', standard: 'erc721', token, from: lower(a[0]), to: lower(a[1]), ids: [a[2] as bigint], amounts: [1n] }
    case 'safeTransferFrom(address,address,uint256,uint256,bytes)':
      return { kind: 'nft-transfer', standard: 'erc1155', token, from: lower(a[0]), to: lower(a[1]), ids: [a[2] as bigint], amounts: [a[3] as bigint] }
    case 'safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)': {
      const ids = [...a[2] as bigint[]]
      const amounts = [...a[3] as bigint[]]
      if (ids.length > MAX_BATCH || amounts.length !== ids.length) throw new GuardError('TOO_MANY_ITEMS', 'safeBatchTransferFrom ids and amounts differ in length or exceed the limit')
      return { kind: 'nft-transfer', standard: 'erc1155', token, from: lower(a[0]), to: lower(a[1]), ids, amounts }
    }
    default: // permit(address,address,uint256,uint256,uint8,bytes32,bytes32)
      return { kind: 'approve', via: 'permit-call', token, spender: lower(a[1]), amount: a[2] as bigint }
  }
}
