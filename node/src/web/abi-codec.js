/**
 * Solidity ABI encoding for the page's wallet transactions and chain reads, driven by the compiled
 * contracts' own ABI JSON (contracts/artifacts, served at /web/abi/): the page states no function
 * signature of its own. Covers the types the Governor, VMT, registry and timelock use (no tuples).
 * Decoding checks every offset and length against the data: a wallet or RPC answer is untrusted.
 */
// relative import: the same module loads in the page (/web/) and in Node's tests
import { bytesToHex, concat, hexToBytes, word } from '../../../protocol/src/eip712-hash.js'

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })
const HEX = /^0x(?:[0-9a-fA-F]{2})*$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
/** Error(string) and Panic(uint256), which any revert may carry */
const BUILTIN_ERRORS = [
  { type: 'error', name: 'Error', inputs: [{ type: 'string' }] },
  { type: 'error', name: 'Panic', inputs: [{ type: 'uint256' }] }
]

/** An ABI the page cannot use, an argument that does not fit its type, or an answer that is not ABI data. */
export class AbiError extends Error {
  name = 'AbiError'
  /** 'UNKNOWN_FUNCTION' | 'BAD_ARGUMENT' | 'MALFORMED' | 'UNSUPPORTED_TYPE' */
  constructor (code, message) { super(message); this.code = code }
}

const isArray = (type) => type.endsWith('[]')
const elementOf = (type) => type.slice(0, -2)
const isDynamic = (type) => type === 'bytes' || type === 'string' || isArray(type)
const bits = (type, prefix) => Number(type.slice(prefix.length) || '256')

function checkType (type) {
  if (isArray(type)) return checkType(elementOf(type))
  if (type === 'address' || type === 'bool' || type === 'bytes' || type === 'string') return
  const m = /^(u?int)(\d*)$|^bytes(\d+)$/.exec(type)
  if (m !== null) {
    const n = m[3] === undefined ? bits(type, m[1]) : Number(m[3])
    if (m[3] === undefined ? n % 8 === 0 && n >= 8 && n <= 256 : n >= 1 && n <= 32) return
  }
  throw new AbiError('UNSUPPORTED_TYPE', `the page cannot encode ${type}`)
}

const pad32 = (bytes) => concat([bytes, new Uint8Array((32 - bytes.length % 32) % 32)])

function toBigInt (value, type) {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value)
  if (typeof value === 'string' && /^(?:[0-9]{1,78}|0x[0-9a-fA-F]{1,64})$/.test(value)) return BigInt(value)
  throw new AbiError('BAD_ARGUMENT', `${String(value).slice(0, 80)} is not a ${type}`)
}

function encodeStatic (type, value) {
  if (type === 'address') {
    if (typeof value !== 'string' || !ADDRESS.test(value)) throw new AbiError('BAD_ARGUMENT', `${String(value).slice(0, 80)} is not an address`)
    return concat([new Uint8Array(12), hexToBytes(value)])
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw new AbiError('BAD_ARGUMENT', 'a bool must be true or false')
    return word(value ? 1n : 0n)
  }
  if (type.startsWith('bytes')) {
    const size = Number(type.slice(5))
    const bytes = typeof value === 'string' && HEX.test(value) ? hexToBytes(value) : value
    if (!(bytes instanceof Uint8Array) || bytes.length !== size) throw new AbiError('BAD_ARGUMENT', `a ${type} must be ${size} bytes`)
    return pad32(bytes)
  }
  const signed = type.startsWith('int')
  const n = BigInt(bits(type, signed ? 'int' : 'uint'))
  const v = toBigInt(value, type)
  const [min, max] = signed ? [-(1n << (n - 1n)), (1n << (n - 1n)) - 1n] : [0n, (1n << n) - 1n]
  if (v < min || v > max) throw new AbiError('BAD_ARGUMENT', `${v} does not fit a ${type}`)
  return word(v < 0n ? (1n << 256n) + v : v)
}

function encodeOne (type, value) {
  if (type === 'string') {
    if (typeof value !== 'string') throw new AbiError('BAD_ARGUMENT', 'a string argument must be text')
    const bytes = enc.encode(value)
    return concat([word(BigInt(bytes.length)), pad32(bytes)])
  }
  if (type === 'bytes') {
    const bytes = typeof value === 'string' && HEX.test(value) ? hexToBytes(value) : value
    if (!(bytes instanceof Uint8Array)) throw new AbiError('BAD_ARGUMENT', 'a bytes argument must be 0x-hex')
    return concat([word(BigInt(bytes.length)), pad32(bytes)])
  }
  if (isArray(type)) {
    if (!Array.isArray(value)) throw new AbiError('BAD_ARGUMENT', `a ${type} argument must be a list`)
    return concat([word(BigInt(value.length)), encodeList(value.map(() => elementOf(type)), value)])
  }
  return encodeStatic(type, value)
}

/** head and tail encoding of values by types (abi.encode) */
function encodeList (types, values) {
  if (types.length !== values.length) throw new AbiError('BAD_ARGUMENT', `${values.length} arguments for ${types.length} parameters`)
  const parts = types.map((t, i) => encodeOne(t, values[i]))
  let tailAt = 32 * types.length
  const heads = []
  const tails = []
  types.forEach((t, i) => {
    if (isDynamic(t)) { heads.push(word(BigInt(tailAt))); tails.push(parts[i]); tailAt += parts[i].length } else heads.push(parts[i])
  })
  return concat([...heads, ...tails])
}

/** abi.encode(values) for `types` (e.g. hashProposal's preimage) */
export function abiEncode (types, values) {
  types.forEach(checkType)
  return encodeList(types, values)
}

// ---- decoding: every read bounded by the data ----
function reader (bytes) {
  const slot = (at) => {
    if (!Number.isSafeInteger(at) || at < 0 || at + 32 > bytes.length) throw new AbiError('MALFORMED', `the answer ends before byte ${at + 32}`)
    return bytes.subarray(at, at + 32)
  }
  const uint = (at) => BigInt(bytesToHex(slot(at)))
  /** an offset or a length: must point inside the data */
  const size = (at) => {
    const v = uint(at)
    if (v > BigInt(bytes.length)) throw new AbiError('MALFORMED', `an offset or length (${v}) beyond the ${bytes.length} bytes of the answer`)
    return Number(v)
  }
  function one (type, base, at) {
    if (isDynamic(type)) {
      const start = base + size(at)
      const length = size(start)
      if (isArray(type)) {
        const inner = elementOf(type)
        // each element takes at least a word: a length beyond the data is refused before looping
        if (start + 32 + length * 32 > bytes.length) throw new AbiError('MALFORMED', `a list of ${length} runs past the answer`)
        return Array.from({ length }, (_, i) => one(inner, start + 32, start + 32 + i * 32))
      }
      if (start + 32 + length > bytes.length) throw new AbiError('MALFORMED', `a ${type} of ${length} bytes runs past the answer`)
      const data = bytes.slice(start + 32, start + 32 + length)
      if (type === 'bytes') return bytesToHex(data)
      try { return dec.decode(data) } catch { throw new AbiError('MALFORMED', 'a string that is not UTF-8') }
    }
    const w = slot(at)
    if (type === 'address') {
      if (w.subarray(0, 12).some((b) => b !== 0)) throw new AbiError('MALFORMED', 'an address word with high bits set')
      return bytesToHex(w.subarray(12))
    }
    if (type === 'bool') {
      const v = uint(at)
      if (v > 1n) throw new AbiError('MALFORMED', 'a bool that is neither 0 nor 1')
      return v === 1n
    }
    if (type.startsWith('bytes')) return bytesToHex(w.subarray(0, Number(type.slice(5))))
    const signed = type.startsWith('int')
    const n = BigInt(bits(type, signed ? 'int' : 'uint'))
    const v = uint(at)
    if (!signed) {
      if (v >> n !== 0n) throw new AbiError('MALFORMED', `a ${type} out of range`)
      return v
    }
    const s = v >> 255n === 1n ? v - (1n << 256n) : v
    if (s < -(1n << (n - 1n)) || s >= 1n << (n - 1n)) throw new AbiError('MALFORMED', `a ${type} out of range`)
    return s
  }
  return (types) => types.map((t, i) => one(t, 0, i * 32))
}

/** abi.decode of `types` from hex or bytes */
export function abiDecode (types, data) {
  types.forEach(checkType)
  if (typeof data === 'string' && !HEX.test(data)) throw new AbiError('MALFORMED', 'the answer is not 0x-hex')
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new AbiError('MALFORMED', 'the answer is not 0x-hex')
  return reader(typeof data === 'string' ? hexToBytes(data) : data)(types)
}

const signature = (f) => `${f.name}(${f.inputs.map((i) => i.type).join(',')})`

/**
 * A contract's ABI (the artifact's `abi` array) as { encode(name, args), decode(name, data),
 * decodeError(data) }; `keccak` is keccak_256. A function is picked by name and argument count.
 */
export function createAbi (abi, keccak) {
  if (!Array.isArray(abi)) throw new AbiError('MALFORMED', 'an ABI is a list of fragments')
  const selectorOf = (f) => bytesToHex(keccak(enc.encode(signature(f))).slice(0, 4))
  const functions = abi.filter((f) => f?.type === 'function' && typeof f.name === 'string' && Array.isArray(f.inputs))
  const errors = [...abi.filter((f) => f?.type === 'error' && typeof f.name === 'string' && Array.isArray(f.inputs)), ...BUILTIN_ERRORS]
  const errorBySelector = new Map(errors.map((e) => [selectorOf(e), e]))

  function fn (name, count) {
    const found = functions.filter((f) => f.name === name && (count === undefined || f.inputs.length === count))
    if (found.length !== 1) throw new AbiError('UNKNOWN_FUNCTION', `${found.length === 0 ? 'no' : 'more than one'} function ${name} in this ABI`)
    return found[0]
  }

  return {
    /** calldata: the selector and the encoded arguments */
    encode (name, args = []) {
      const f = fn(name, args.length)
      return bytesToHex(concat([hexToBytes(selectorOf(f)), abiEncode(f.inputs.map((i) => i.type), args)]))
    },
    /** a call's return values, as a list */
    decode (name, data, count) {
      const f = fn(name, count)
      return abiDecode((f.outputs ?? []).map((o) => o.type), data)
    },
    /** revert data as `Name(arg, ...)`; undefined when it is none of this ABI's errors */
    decodeError (data) {
      if (typeof data !== 'string' || !HEX.test(data) || data.length < 10) return undefined
      const e = errorBySelector.get(data.slice(0, 10).toLowerCase())
      if (e === undefined) return undefined
      try {
        const args = abiDecode(e.inputs.map((i) => i.type), data.slice(0, 2) + data.slice(10))
        return `${e.name}(${args.map((a) => (Array.isArray(a) ? `[${a.join(', ')}]` : String(a))).join(', ')})`
      } catch {
        return `${e.name}(…)`
      }
    }
  }
}
