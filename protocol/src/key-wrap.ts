/**
 * Wrapping a sample's content key for each member: X25519 ECDH with a per-job ephemeral key,
 * HKDF-SHA256 bound to both public keys, the member's address and the sample's sha256, and
 * ChaCha20-Poly1305 with a random 12-byte nonce. Output: nonce || ciphertext || tag (60 bytes).
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 as sha256Hash } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { KeyUnwrapError } from './errors.ts'
import type { Hex } from './messages.ts'

export const KEY_WRAP_INFO = 'virusmap/key-wrap/v1'
export const CONTENT_KEY_BYTES = 32
export const NONCE_BYTES = 12
export const WRAPPED_KEY_BYTES = NONCE_BYTES + CONTENT_KEY_BYTES + 16

export interface X25519KeyPair { secretKey: Uint8Array, publicKey: Uint8Array }

export function generateX25519KeyPair (): X25519KeyPair {
  const { secretKey, publicKey } = x25519.keygen()
  return { secretKey, publicKey }
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
  const ephemeralPublicKey = x25519.getPublicKey(opts.ephemeralSecretKey)
  const shared = x25519.getSharedSecret(opts.ephemeralSecretKey, opts.memberPublicKey)
  const key = deriveWrapKey(shared, ephemeralPublicKey, opts.memberPublicKey, opts.member, opts.sha256)
  const nonce = randomBytes(NONCE_BYTES)
  const sealed = chacha20poly1305(key, nonce).encrypt(opts.contentKey)
  key.fill(0)
  shared.fill(0)
  return `0x${bytesToHex(nonce)}${bytesToHex(sealed)}`
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
  let wrapped: Uint8Array
  let key: Uint8Array
  try {
    wrapped = hexToBytes(strip(opts.wrappedKey))
    if (wrapped.length !== WRAPPED_KEY_BYTES) throw new RangeError('wrapped key must be 60 bytes')
    const memberPublicKey = x25519.getPublicKey(opts.memberSecretKey)
    const shared = x25519.getSharedSecret(opts.memberSecretKey, opts.ephemeralPublicKey)
    key = deriveWrapKey(shared, opts.ephemeralPublicKey, memberPublicKey, opts.member, opts.sha256)
    shared.fill(0)
  } catch (err) {
    throw new KeyUnwrapError('MALFORMED', 'wrapped key, X25519 key, member or sha256 is malformed', { cause: err })
  }
  try {
    return chacha20poly1305(key, wrapped.subarray(0, NONCE_BYTES)).decrypt(wrapped.subarray(NONCE_BYTES))
  } catch (err) {
    throw new KeyUnwrapError('AUTH_FAILED', 'wrapped key does not open for this member and sample', { cause: err })
  } finally {
    key.fill(0)
  }
}

function deriveWrapKey (shared: Uint8Array, ephemeralPublicKey: Uint8Array, memberPublicKey: Uint8Array, member: Hex, sha256: Hex): Uint8Array {
  const memberBytes = hexToBytes(strip(member.toLowerCase()))
  const sampleHash = hexToBytes(strip(sha256.toLowerCase()))
  if (memberBytes.length !== 20 || sampleHash.length !== 32) throw new RangeError('member must be 20 bytes and sha256 32 bytes')
  const info = concatBytes(new TextEncoder().encode(KEY_WRAP_INFO), memberBytes, sampleHash)
  // Both public keys in the salt (as HPKE does) so a wrap cannot be replayed under another key pair.
  return hkdf(sha256Hash, shared, concatBytes(ephemeralPublicKey, memberPublicKey), info, CONTENT_KEY_BYTES)
}

function strip (hex: string): string {
  return hex.startsWith('0x') ? hex.slice(2) : hex
}

function concatBytes (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) { out.set(p, offset); offset += p.length }
  return out
}
