/** Types of abi-codec.js, the page's ABI encoding from the contracts' artifacts. */
export type AbiErrorCode = 'UNKNOWN_FUNCTION' | 'BAD_ARGUMENT' | 'MALFORMED' | 'UNSUPPORTED_TYPE'
export class AbiError extends Error {
  readonly code: AbiErrorCode
  constructor (code: AbiErrorCode, message: string)
}
export type AbiValue = bigint | string | boolean | AbiValue[]
export function abiEncode (types: string[], values: unknown[]): Uint8Array
export function abiDecode (types: string[], data: string | Uint8Array): AbiValue[]
export interface Abi {
  encode(name: string, args?: unknown[]): string
  decode(name: string, data: string, count?: number): AbiValue[]
  decodeError(data: unknown): string | undefined
}
export function createAbi (abi: unknown, keccak: (bytes: Uint8Array) => Uint8Array): Abi
