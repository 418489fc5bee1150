// EIP-712 typed data (eth_signTypedData_v4) to actions: the off-chain signatures that move
// tokens later without a transaction (EIP-2612 Permit, Permit2, Seaport and Blur orders). Pure.
import { TypedDataEncoder, type TypedDataField } from 'ethers'
import type { Action, OrderItem, Permit2Token } from './actions.ts'
import { GuardError } from './guard-error.ts'
import { isObject, readAddress, readArray, readObject, readString, readUint, type Address } from './input.ts'

const PERMIT2_TYPES = new Set(['PermitSingle', 'PermitBatch', 'PermitTransferFrom', 'PermitBatchTransferFrom', 'PermitWitnessTransferFrom', 'PermitBatchWitnessTransferFrom'])

export interface TypedData {
  domain: Record<string, unknown>
  primaryType: string
  types: Record<string, TypedDataField[]>
  message: Record<string, unknown>
}

/** Checks the typed data is well formed EIP-712 (ethers hashes it) and returns it typed. */
export function readTypedData (value: unknown): TypedData {
  const v = readObject(value, 'typed data')
  const types = readObject(v.types, 'typed data types')
  const primaryType = readString(v.primaryType, 'typed data primaryType', 256)
  const domain = readObject(v.domain ?? {}, 'typed data domain')
  const message = readObject(v.message, 'typed data message')
  // ethers derives the domain type itself and refuses it among the others
  const { EIP712Domain: _domainType, ...structs } = types
  if (Object.keys(structs).length > 64) throw new GuardError('TOO_MANY_ITEMS', 'typed data declares more than 64 types')
  if (!(primaryType in structs)) throw new GuardError('BAD_TYPED_DATA', `primaryType ${primaryType.slice(0, 64)} is not among the types`)
  try {
    TypedDataEncoder.hash(domain, structs as Record<string, TypedDataField[]>, message)
    if (TypedDataEncoder.getPrimaryType(structs as Record<string, TypedDataField[]>) !== primaryType) throw new Error('primaryType is not the root type')
  } catch (err) {
    throw new GuardError('BAD_TYPED_DATA', `typed data does not encode: ${(err as Error).message.split('(')[0]?.trim().slice(0, 160) ?? ''}`, { cause: err })
  }
  return { domain, primaryType, types: structs as Record<string, TypedDataField[]>, message }
}

const optionalAddress = (v: unknown, what: string): Address | undefined => v === undefined ? undefined : readAddress(v, what)

export function decodeTypedData (data: TypedData): Action[] {
  const { domain, primaryType, message: m } = data
  const verifyingContract = optionalAddress(domain.verifyingContract, 'domain.verifyingContract')
  if (PERMIT2_TYPES.has(primaryType) && (domain.name === 'Permit2' || 'details' in m || 'permitted' in m)) return [permit2(primaryType, m, verifyingContract)]
  if (primaryType === 'Permit' && 'spender' in m && 'value' in m) {
    if (verifyingContract === undefined) throw new GuardError('BAD_TYPED_DATA', 'a Permit without domain.verifyingContract names no token')
    return [{ kind: 'permit', token: verifyingContract, owner: readAddress(m.owner, 'Permit owner'), spender: readAddress(m.spender, 'Permit spender'), amount: readUint(m.value, 'Permit value'), deadline: readUint(m.deadline, 'Permit deadline') }]
  }
  if (primaryType === 'OrderComponents' && 'offer' in m && 'consideration' in m) {
    return [{
      kind: 'seaport-order',
      offerer: readAddress(m.offerer, 'order offerer'),
      offer: readArray(m.offer, 'order offer').map((i, n) => orderItem(i, `offer[${n}]`, false)),
      consideration: readArray(m.consideration, 'order consideration').map((i, n) => orderItem(i, `consideration[${n}]`, true))
    }]
  }
  if (primaryType === 'Order' && 'trader' in m && 'side' in m && 'collection' in m && 'price' in m) return [blurOrder(m)]
  if (primaryType === 'Root' && 'root' in m && domain.name === 'Blur Exchange') return [{ kind: 'blur-root', root: readString(m.root, 'Blur root', 66) }]
  return [{ kind: 'typed-data', primaryType, verifyingContract }]
}

function blurOrder (m: Record<string, unknown>): Action {
  const side = readUint(m.side, 'Blur order side')
  if (side > 1n) throw new GuardError('BAD_NUMBER', 'Blur order side is neither buy (0) nor sell (1)')
  return {
    kind: 'blur-order',
    trader: readAddress(m.trader, 'Blur order trader'),
    side: Number(side),
    collection: readAddress(m.collection, 'Blur order collection'),
    tokenId: readUint(m.tokenId ?? 0, 'Blur order tokenId'),
    paymentToken: readAddress(m.paymentToken ?? '0x0000000000000000000000000000000000000000', 'Blur order paymentToken'),
    price: readUint(m.price, 'Blur order price'),
    fees: readArray(m.fees ?? [], 'Blur order fees').map((f, n) => {
      const o = readObject(f, `Blur order fees[${n}]`)
      return { rate: readUint(o.rate, `Blur order fees[${n}].rate`), recipient: readAddress(o.recipient, `Blur order fees[${n}].recipient`) }
    })
  }
}

function permit2 (primaryType: string, m: Record<string, unknown>, permit2Address: Address | undefined): Action {
  const spender = readAddress(m.spender, 'Permit2 spender')
  if (primaryType === 'PermitSingle' || primaryType === 'PermitBatch') {
    const details = primaryType === 'PermitSingle' ? [m.details] : readArray(m.details, 'Permit2 details')
    const tokens: Permit2Token[] = details.map((d, n) => {
      const o = readObject(d, `Permit2 details[${n}]`)
      return { token: readAddress(o.token, 'Permit2 token'), amount: readUint(o.amount, 'Permit2 amount'), expiration: readUint(o.expiration, 'Permit2 expiration') }
    })
    return { kind: 'permit2', variant: primaryType === 'PermitSingle' ? 'single' : 'batch', permit2: permit2Address, spender, tokens, deadline: readUint(m.sigDeadline, 'Permit2 sigDeadline') }
  }
  const batch = Array.isArray(m.permitted)
  const permitted = batch ? readArray(m.permitted, 'Permit2 permitted') : [m.permitted]
  const deadline = readUint(m.deadline, 'Permit2 deadline')
  const tokens = permitted.map((p, n) => {
    const o = readObject(p, `Permit2 permitted[${n}]`)
    // a signature transfer is spent once, before its deadline
    return { token: readAddress(o.token, 'Permit2 token'), amount: readUint(o.amount, 'Permit2 amount'), expiration: deadline }
  })
  return { kind: 'permit2', variant: batch ? 'batch-transfer-from' : 'transfer-from', permit2: permit2Address, spender, tokens, deadline }
}

function orderItem (value: unknown, what: string, consideration: boolean): OrderItem {
  if (!isObject(value)) throw new GuardError('BAD_TYPE', `${what} must be an object`)
  const itemType = Number(readUint(value.itemType, `${what}.itemType`))
  if (itemType > 5) throw new GuardError('BAD_NUMBER', `${what}.itemType is not a Seaport item type`)
  return {
    itemType,
    token: readAddress(value.token, `${what}.token`),
    startAmount: readUint(value.startAmount, `${what}.startAmount`),
    endAmount: readUint(value.endAmount, `${what}.endAmount`),
    ...consideration ? { recipient: readAddress(value.recipient, `${what}.recipient`) } : {}
  }
}
