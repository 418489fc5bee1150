/**
 * Delivering a bought sample (the data market, SPEC section 18): each delivering member seals the
 * sample's content key to the buyer's fresh per-order X25519 key, with the construction of the members'
 * key wraps (x25519-seal.ts) under its own domain, bound to the chain, the market, the order, the sample
 * and the member, so a wrap opens for that order alone. Every member already holds the content key (it
 * unwrapped it to scan the sample), so no proxy re-encryption or threshold scheme is needed.
 * The buyer's key is used for one order only: to prove a bad wrap the buyer reveals its secret key, and
 * anyone can then re-run the opening (judgeOrderWrap).
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { KeyUnwrapError } from './errors.ts'
import { concatBytes, fixedBytes, openKey, sealKey } from './x25519-seal.ts'
import type { Hex } from './messages.ts'

export const ORDER_WRAP_INFO = 'virusmap/order-wrap/v1'

/** What an order wrap is bound to: the order as the market contract holds it, the sample, the member. */
export interface OrderBinding {
  chainId: number
  /** the DataMarket contract */
  market: Hex
  orderId: bigint
  sha256: Hex
  /** the delivering member's operator address */
  member: Hex
}

/** One member's delivery of the key: a fresh ephemeral public key and the sealed content key. */
export interface OrderWrap {
  ephemeralPublicKey: Hex
  wrappedKey: Hex
}

function orderInfo (b: OrderBinding): Uint8Array {
  if (!Number.isSafeInteger(b.chainId) || b.chainId < 0) throw new RangeError('chainId must be a non-negative integer')
  if (b.orderId < 0n || b.orderId >= 2n ** 256n) throw new RangeError('orderId must be a uint256')
  return concatBytes(new TextEncoder().encode(ORDER_WRAP_INFO), fixedBytes(b.chainId.toString(16).padStart(64, '0'), 32, 'chainId'),
    fixedBytes(b.market, 20, 'market'), fixedBytes(b.orderId.toString(16).padStart(64, '0'), 32, 'orderId'), fixedBytes(b.sha256, 32, 'sha256'), fixedBytes(b.member, 20, 'member'))
}

/** Seals `contentKey` to the order's buyer key; a fresh ephemeral key per wrap, so no two wraps share one. */
export function wrapForOrder (contentKey: Uint8Array, buyerPublicKey: Uint8Array, binding: OrderBinding): OrderWrap {
  const ephemeral = x25519.keygen()
  try {
    const wrappedKey = sealKey(contentKey, ephemeral.secretKey, buyerPublicKey, orderInfo(binding))
    return { ephemeralPublicKey: `0x${bytesToHex(ephemeral.publicKey)}`, wrappedKey }
  } finally {
    ephemeral.secretKey.fill(0)
  }
}

/** The buyer's opening; throws KeyUnwrapError MALFORMED or AUTH_FAILED. */
export function unwrapOrderWrap (wrap: OrderWrap, buyerSecretKey: Uint8Array, binding: OrderBinding): Uint8Array {
  let ephemeral: Uint8Array
  try {
    ephemeral = fixedBytes(wrap.ephemeralPublicKey, 32, 'ephemeralPublicKey')
  } catch (err) {
    throw new KeyUnwrapError('MALFORMED', 'the ephemeral public key is not 32 bytes', { cause: err })
  }
  return openKey(wrap.wrappedKey, buyerSecretKey, ephemeral, () => orderInfo(binding))
}

/** keccak256(ephemeralPublicKey ‖ wrappedKey): what a member's signed delivery names (92 bytes hashed). */
export function orderWrapHash (wrap: OrderWrap): Hex {
  return `0x${bytesToHex(keccak_256(concatBytes(fixedBytes(wrap.ephemeralPublicKey, 32, 'ephemeralPublicKey'), fixedBytes(wrap.wrappedKey, 60, 'wrappedKey'))))}`
}

export type OrderWrapFault = 'WRONG_BUYER_KEY' | 'WRAP_MALFORMED' | 'WRAP_DOES_NOT_OPEN' | 'KEY_DOES_NOT_DECRYPT'

export type OrderWrapJudgement = { ok: true, contentKey: Uint8Array } | { ok: false, fault: OrderWrapFault }

/**
 * Anyone's judgement of one delivered wrap, given the buyer's revealed per-order secret key: the key must
 * be the one the order names (else the buyer, not the member, is wrong), then the wrap must open, then
 * the key must decrypt the sample to its sha256 (`decryptsSample`, the node's check over the stored
 * ciphertext, which is content-addressed and so the same for everyone). A fault other than
 * WRONG_BUYER_KEY is the member's, provable with its signature over orderWrapHash(wrap).
 */
export function judgeOrderWrap (wrap: OrderWrap, buyerSecretKey: Uint8Array, orderBuyerPublicKey: Hex, binding: OrderBinding, decryptsSample: (contentKey: Uint8Array) => boolean): OrderWrapJudgement {
  let publicKey: string
  try {
    publicKey = bytesToHex(x25519.getPublicKey(buyerSecretKey))
  } catch {
    return { ok: false, fault: 'WRONG_BUYER_KEY' }
  }
  if (`0x${publicKey}` !== orderBuyerPublicKey.toLowerCase()) return { ok: false, fault: 'WRONG_BUYER_KEY' }
  let contentKey: Uint8Array
  try {
    contentKey = unwrapOrderWrap(wrap, buyerSecretKey, binding)
  } catch (err) {
    if (err instanceof KeyUnwrapError) return { ok: false, fault: err.code === 'AUTH_FAILED' ? 'WRAP_DOES_NOT_OPEN' : 'WRAP_MALFORMED' }
    throw err
  }
  return decryptsSample(contentKey) ? { ok: true, contentKey } : { ok: false, fault: 'KEY_DOES_NOT_DECRYPT' }
}
