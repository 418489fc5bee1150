import type { Address } from './input.ts'

/** What a request does, as the rules read it; amounts are raw token units. */
export type Action =
  | { kind: 'native-transfer', to: Address, value: bigint }
  /** ERC-20 transfer */
  | { kind: 'transfer', token: Address, to: Address, amount: bigint }
  /** ERC-20 transferFrom or ERC-721 transferFrom (same selector): amountOrId */
  | { kind: 'transfer-from', token: Address, from: Address, to: Address, amountOrId: bigint }
  | { kind: 'nft-transfer', standard: 'erc721' | 'erc1155', token: Address, from: Address, to: Address, ids: bigint[], amounts: bigint[] }
  /** ERC-20 approve / increaseAllowance, or a permit() call sent as a transaction */
  | { kind: 'approve', via: 'approve' | 'increaseAllowance' | 'permit-call', token: Address, spender: Address, amount: bigint }
  | { kind: 'approval-for-all', token: Address, operator: Address, approved: boolean }
  /** EIP-2612 Permit typed data */
  | { kind: 'permit', token: Address, owner: Address, spender: Address, amount: bigint, deadline: bigint }
  /** Permit2 typed data: an allowance (single/batch) or a one-time signature transfer */
  | { kind: 'permit2', variant: 'single' | 'batch' | 'transfer-from' | 'batch-transfer-from', permit2: Address | undefined, spender: Address, tokens: Permit2Token[], deadline: bigint }
  | { kind: 'seaport-order', offerer: Address, offer: OrderItem[], consideration: OrderItem[] }
  /** a Blur Exchange order: side 0 buys, 1 sells; the seller gets `price` less the fees' rates (basis points) */
  | { kind: 'blur-order', trader: Address, side: number, collection: Address, tokenId: bigint, paymentToken: Address, price: bigint, fees: Array<{ rate: bigint, recipient: Address }> }
  /** a Blur bulk signature: the Merkle root of orders the request does not show */
  | { kind: 'blur-root', root: string }
  /** eth_sign: a raw 32-byte digest, can be anything including a transaction */
  | { kind: 'eth-sign', digest: string }
  /** personal_sign; shape says what the bytes look like */
  | { kind: 'personal-sign', shape: 'text' | 'hash32' | 'rlp-tx' | 'binary', preview: string }
  | { kind: 'typed-data', primaryType: string, verifyingContract: Address | undefined }
  /** a call the decoder does not know: the simulation says what it does */
  | { kind: 'contract-call', to: Address, selector: string }
  | { kind: 'connect', method: string }

export interface Permit2Token { token: Address, amount: bigint, expiration: bigint }

export interface OrderItem {
  /** Seaport ItemType: 0 native, 1 ERC-20, 2 ERC-721, 3 ERC-1155, 4/5 criteria */
  itemType: number
  token: Address
  startAmount: bigint
  endAmount: bigint
  /** consideration only */
  recipient?: Address
}

/** The transaction a request would send, for simulation. */
export interface TxCall {
  from: Address
  to: Address | undefined
  value: bigint
  data: `0x${string}`
  gas?: bigint
}
