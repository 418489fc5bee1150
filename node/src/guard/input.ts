// Reading untrusted values from a page's request: every reader checks type, shape and size
// and throws a GuardError, so decoding never crashes on what a hostile page sends.
import { GuardError } from './guard-error.ts'

export type Address = `0x${string}`

/** calldata or a signed message larger than this is refused (a real approve is 68 bytes) */
export const MAX_DATA_BYTES = 128 * 1024
/** items in any array the guard reads (Permit2 batch details, Seaport offer/consideration) */
export const MAX_ITEMS = 64
/** characters of a typed-data JSON text or a --tx JSON text */
export const MAX_JSON_CHARS = 256 * 1024

const UINT256_MAX = (1n << 256n) - 1n
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const HEX = /^0x(?:[0-9a-fA-F]{2})*$/
const QUANTITY_HEX = /^0x[0-9a-fA-F]{1,64}$/
const DECIMAL = /^[0-9]{1,78}$/

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function readObject (v: unknown, what: string): Record<string, unknown> {
  if (!isObject(v)) throw new GuardError('BAD_TYPE', `${what} must be an object`)
  return v
}

export function readString (v: unknown, what: string, maxChars = 1024): string {
  if (typeof v !== 'string') throw new GuardError('BAD_TYPE', `${what} must be a string`)
  if (v.length > maxChars) throw new GuardError('OVERSIZE', `${what} is longer than ${maxChars} characters`)
  return v
}

/** lowercase 0x address */
export function readAddress (v: unknown, what: string): Address {
  const s = readString(v, what, 64)
  if (!ADDRESS.test(s)) throw new GuardError('BAD_ADDRESS', `${what} is not a 20-byte 0x address`)
  return s.toLowerCase() as Address
}

/** even-length 0x hex, lowercase */
export function readHex (v: unknown, what: string, maxBytes = MAX_DATA_BYTES): `0x${string}` {
  const s = readString(v, what, 2 + maxBytes * 2 + 1)
  if (s.length > 2 + maxBytes * 2) throw new GuardError('OVERSIZE', `${what} is larger than ${maxBytes} bytes`)
  if (!HEX.test(s)) throw new GuardError('BAD_HEX', `${what} is not even-length 0x hex`)
  return s.toLowerCase() as `0x${string}`
}

/** a uint256 given as 0x hex, a decimal string or a safe integer (typed data uses all three) */
export function readUint (v: unknown, what: string): bigint {
  let n: bigint
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new GuardError('BAD_NUMBER', `${what} is not a non-negative safe integer`)
    n = BigInt(v)
  } else if (typeof v === 'string' && (QUANTITY_HEX.test(v) || DECIMAL.test(v))) {
    n = BigInt(v)
  } else if (typeof v === 'bigint') {
    n = v
  } else {
    throw new GuardError('BAD_NUMBER', `${what} is not a uint256 (hex or decimal)`)
  }
  if (n < 0n || n > UINT256_MAX) throw new GuardError('BAD_NUMBER', `${what} is out of uint256 range`)
  return n
}

export function readArray (v: unknown, what: string, maxItems = MAX_ITEMS): unknown[] {
  if (!Array.isArray(v)) throw new GuardError('BAD_TYPE', `${what} must be an array`)
  if (v.length > maxItems) throw new GuardError('TOO_MANY_ITEMS', `${what} has ${v.length} items, more than ${maxItems}`)
  return v
}

/** JSON.parse with a size limit and a typed error */
export function parseJson (text: unknown, what: string, maxChars = MAX_JSON_CHARS): unknown {
  const s = readString(text, what, maxChars)
  try {
    return JSON.parse(s)
  } catch {
    throw new GuardError('BAD_JSON', `${what} is not valid JSON`)
  }
}
