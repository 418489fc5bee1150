/**
 * Wrapping a sample's content key for each member: X25519 ECDH with a per-job ephemeral key,
 * HKDF-SHA256 bound to both public keys, the member's address and the sample's sha256, and
 * ChaCha20-Poly1305 with a random 12-byte nonce (x25519-seal.ts). Output: nonce || ciphertext || tag (60 bytes).
 */
import { randomBytes } from '@noble/ciphers/utils.js'
import { concatBytes, fixedBytes, openKey, publicKeyOf, sealKey } from './x25519-seal.ts'
import type { Hex } from './messages.ts'

export { NONCE_BYTES, WRAPPED_KEY_BYTES } from './x25519-seal.ts'
export const KEY_WRAP_INFO = 'virusmap/key-wrap/v1'
export const CONTENT_KEY_BYTES = 32

export interface X25519KeyPair { secretKey: Uint8Array, publicKey: Uint8Array }

/** A random secret (clamped when used, RFC 7748) and its public key, kept for the seals that reuse the secret. */
export function generateX25519KeyPair (): X25519KeyPair {
  const secretKey = randomBytes(32)
  return { secretKey, publicKey: publicKeyOf(secretKey) }
}

export interface WrapContentKeyOptions {
  contentKey: Uint8Array
  ephemeralSecretKey: Uint8Array
  memberPublicKey: Uint8Array
  member: Hex
  sha256: Hex
}

export function wrapContentKey (opts: WrapContentKeyOptions): Hex {
  if (opts.contentKey.length !== CONTENT_KEY_BYTES) throw new RangeError('content key must be 32 bytes')
  return sealKey(opts.contentKey, opts.ephemeralSecretKey, opts.memberPublicKey, wrapInfo(opts.member, opts.sha256))
}

export interface UnwrapContentKeyOptions {
  wrappedKey: Hex
  memberSecretKey: Uint8Array
  ephemeralPublicKey: Uint8Array
  member: Hex
  sha256: Hex
}

/** Throws KeyUnwrapError MALFORMED (bad lengths, low-order key) or AUTH_FAILED (wrong key/binding, tampered). */
export function unwrapContentKey (opts: UnwrapContentKeyOptions): Uint8Array {
  return openKey(opts.wrappedKey, opts.memberSecretKey, opts.ephemeralPublicKey, () => wrapInfo(opts.member, opts.sha256))
}

function wrapInfo (member: Hex, sha256: Hex): Uint8Array {
  return concatBytes(new TextEncoder().encode(KEY_WRAP_INFO), fixedBytes(member, 20, 'member'), fixedBytes(sha256, 32, 'sha256'))
}
