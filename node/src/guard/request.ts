// An EIP-1193 request as a page sends it, decoded into actions and (for a transaction) the
// call to simulate. Pure: hostile input throws a GuardError, never anything else.
import type { Action, TxCall } from './actions.ts'
import { decodeCalldata } from './calldata.ts'
import { GuardError } from './guard-error.ts'
import { isObject, parseJson, readAddress, readArray, readHex, readObject, readString, readUint, type Address } from './input.ts'
import { decodeEthSign, decodePersonalMessage } from './message.ts'
import { decodeTypedData, readTypedData } from './typed-data.ts'

/** requests that grant a site access or move the wallet, counted by the behaviour rule */
export const CONNECT_METHODS: ReadonlySet<string> = new Set(['eth_requestAccounts', 'wallet_requestPermissions', 'wallet_switchEthereumChain', 'wallet_addEthereumChain'])
export const SIGNATURE_METHODS: ReadonlySet<string> = new Set(['eth_sendTransaction', 'eth_signTypedData_v4', 'eth_signTypedData_v3', 'personal_sign', 'eth_sign'])

export interface Eip1193Request { method: string, params?: unknown }

export interface DecodedRequest {
  method: string
  /** the account asked to sign; undefined for connect-type requests */
  from: Address | undefined
  actions: Action[]
  /** eth_sendTransaction only */
  tx: TxCall | undefined
  /** typed data only: the chain its domain names (domain.chainId), where the signature takes effect; null: the domain names none, so it is bound to no chain */
  domainChainId?: bigint | null
}

export function decodeRequest (request: unknown): DecodedRequest {
  const r = readObject(request, 'request')
  const method = readString(r.method, 'request method', 128)
  if (CONNECT_METHODS.has(method)) return { method, from: undefined, actions: [{ kind: 'connect', method }], tx: undefined }
  const params = readArray(r.params ?? [], 'request params', 4)
  switch (method) {
    case 'eth_sendTransaction': {
      const tx = readTransaction(params[0])
      const actions = tx.to === undefined ? [] : decodeCalldata(tx.to, tx.data, tx.value)
      return { method, from: tx.from, actions, tx }
    }
    case 'eth_signTypedData_v4':
    case 'eth_signTypedData_v3': {
      const from = readAddress(params[0], 'signer address')
      const typed = readTypedData(typeof params[1] === 'string' ? parseJson(params[1], 'typed data') : params[1])
      // ethers hashes a null domain field as absent, and so does the guard
      const chainId = typed.domain.chainId === undefined || typed.domain.chainId === null ? null : readUint(typed.domain.chainId, 'typed data domain.chainId')
      return { method, from, actions: decodeTypedData(typed), tx: undefined, domainChainId: chainId }
    }
    case 'personal_sign': {
      // some dapps send [address, message]; MetaMask accepts both orders, so does the guard
      const swapped = isAddress(params[0]) && !isAddress(params[1])
      const [message, address] = swapped ? [params[1], params[0]] : [params[0], params[1]]
      return { method, from: readAddress(address, 'signer address'), actions: [decodePersonalMessage(message)], tx: undefined }
    }
    case 'eth_sign':
      return { method, from: readAddress(params[0], 'signer address'), actions: [decodeEthSign(params[1])], tx: undefined }
    default:
      throw new GuardError('UNSUPPORTED_METHOD', `the guard does not judge ${method.slice(0, 64)}`)
  }
}

const isAddress = (v: unknown): boolean => typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v)

export function readTransaction (value: unknown): TxCall {
  const t = readObject(value, 'transaction')
  if (t.data !== undefined && t.input !== undefined && t.data !== t.input) throw new GuardError('BAD_TYPE', 'transaction data and input differ')
  const data = t.data ?? t.input
  return {
    from: readAddress(t.from, 'transaction from'),
    to: t.to === undefined || t.to === null ? undefined : readAddress(t.to, 'transaction to'),
    value: t.value === undefined ? 0n : readUint(t.value, 'transaction value'),
    data: data === undefined ? '0x' : readHex(data, 'transaction data'),
    ...t.gas !== undefined ? { gas: readUint(t.gas, 'transaction gas') } : {}
  }
}

/** an --tx JSON text or object as a request */
export function transactionRequest (tx: unknown): Eip1193Request {
  return { method: 'eth_sendTransaction', params: [isObject(tx) ? tx : parseJson(tx, 'transaction')] }
}
