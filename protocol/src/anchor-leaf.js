/**
 * An epoch anchor's leaf (SPEC section 15) as bytes: abi.encode of ANCHOR_LEAF_TYPES, written straight
 * into one buffer for these fixed types, and its OpenZeppelin StandardMerkleTree leaf hash
 * keccak256(keccak256(abi.encode(values))). StandardMerkleTree's own encoder (@metamask/abi-utils)
 * builds error objects for every number it encodes: 1 ms a leaf, seconds for a full epoch.
 * protocol/test/anchor-leaf.test.ts holds these bytes and hashes to StandardMerkleTree's. Plain JS with
 * keccak passed in, like eip712-hash.js, so the web page can run this one piece too.
 */
import { hexToBytes } from './eip712-hash.js'

/** the leaf's ABI types, in order: protocol ANCHOR_LEAF_TYPES */
export const LEAF_TYPES = Object.freeze(['bytes32', 'bytes32', 'bytes32', 'uint8', 'uint64', 'uint64', 'address', 'address', 'uint16', 'uint16', 'address[]', 'address[]'])

const BYTES32 = /^0x[0-9a-fA-F]{64}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const WORD = 32
/** head words: ten static values and the offsets of the two address lists */
const HEAD = LEAF_TYPES.length * WORD

/** A leaf value that does not fit its ABI type. */
export class LeafEncodingError extends Error {
  name = 'LeafEncodingError'
  /** 'MALFORMED_LEAF' */
  code = 'MALFORMED_LEAF'
}

function putHex (out, at, value, pattern, index) {
  if (typeof value !== 'string' || !pattern.test(value)) throw new LeafEncodingError(`leaf value ${index} is not a ${LEAF_TYPES[index]}`)
  out.set(hexToBytes(value), at)
}

/** an unsigned integer of `bits` (at most 64) big-endian in the word's last 8 bytes */
function putUint (out, at, value, bits, index) {
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << BigInt(bits)) throw new LeafEncodingError(`leaf value ${index} is not a uint${bits}`)
  new DataView(out.buffer, out.byteOffset).setBigUint64(at + WORD - 8, v)
}

function putAddresses (out, at, list, index) {
  if (!Array.isArray(list)) throw new LeafEncodingError(`leaf value ${index} is not an address[]`)
  new DataView(out.buffer, out.byteOffset).setUint32(at + WORD - 4, list.length)
  for (let i = 0; i < list.length; i++) putHex(out, at + WORD * (i + 1) + 12, list[i], ADDRESS, index)
  return WORD * (list.length + 1)
}

/** abi.encode(ANCHOR_LEAF_TYPES, values); throws LeafEncodingError for a value that does not fit its type. */
export function encodeLeaf (values) {
  if (!Array.isArray(values) || values.length !== LEAF_TYPES.length) throw new LeafEncodingError(`a leaf has ${LEAF_TYPES.length} values`)
  const [jobId, digest, sha256, kind, membershipBlock, createdAt, origin, submitter, malicious, suspicious, revealed, detected] = values
  if (!Array.isArray(revealed) || !Array.isArray(detected)) throw new LeafEncodingError('leaf values 10 and 11 are address[]')
  const out = new Uint8Array(HEAD + WORD * (revealed.length + detected.length + 2))
  putHex(out, 0, jobId, BYTES32, 0)
  putHex(out, WORD, digest, BYTES32, 1)
  putHex(out, 2 * WORD, sha256, BYTES32, 2)
  putUint(out, 3 * WORD, kind, 8, 3)
  putUint(out, 4 * WORD, membershipBlock, 64, 4)
  putUint(out, 5 * WORD, createdAt, 64, 5)
  putHex(out, 6 * WORD + 12, origin, ADDRESS, 6)
  putHex(out, 7 * WORD + 12, submitter, ADDRESS, 7)
  putUint(out, 8 * WORD, malicious, 16, 8)
  putUint(out, 9 * WORD, suspicious, 16, 9)
  const view = new DataView(out.buffer)
  view.setUint32(10 * WORD + WORD - 4, HEAD)
  const detectedAt = HEAD + putAddresses(out, HEAD, revealed, 10)
  view.setUint32(11 * WORD + WORD - 4, detectedAt)
  putAddresses(out, detectedAt, detected, 11)
  return out
}

/** keccak256(keccak256(abi.encode(values))): the StandardMerkleTree leaf, what ReportAnchors.verify takes. */
export function leafHash (values, keccak) {
  return keccak(keccak(encodeLeaf(values)))
}
