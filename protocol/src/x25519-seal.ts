/**
 * Sealing a 32-byte key to one X25519 public key (the construction of SPEC section 11, shared by the
 * members' key wraps and the market's order wraps): ECDH with an ephemeral key, HKDF-SHA256 with both
 * public keys as salt (as HPKE does, so a seal cannot be replayed under another key pair) and the
 * caller's `info` binding, ChaCha20-Poly1305 with a random nonce. Output: nonce ‖ ciphertext ‖ tag.
 */
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { equalBytes, randomBytes } from '@noble/ciphers/utils.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { KeyUnwrapError } from './errors.ts'
import type { Hex } from './messages.ts'

export const SEALED_KEY_BYTES = 32
export const NONCE_BYTES = 12
export const WRAPPED_KEY_BYTES = NONCE_BYTES + SEALED_KEY_BYTES + 16

/**
 * The key objects and public keys of the secret keys a process uses again and again (one job's
 * ephemeral key for every member's wrap, a member's own key for every job): each use saves OpenSSL's
 * key import, and the first a scalar multiplication. An entry is checked against a digest of the
 * key's bytes, so an array zeroed or refilled since is imported afresh; its key object (OpenSSL's
 * copy of the secret) is collected with the array.
 */
const keyPairs = new WeakMap<Uint8Array, { fingerprint: Uint8Array, privateKey: KeyObject, publicKey: Uint8Array }>()

function keyPairOf (secretKey: Uint8Array): { privateKey: KeyObject, publicKey: Uint8Array } {
  const fingerprint = sha256(secretKey)
  const hit = keyPairs.get(secretKey)
  if (hit !== undefined && equalBytes(hit.fingerprint, fingerprint)) return hit
  const privateKey = privateKeyObject(secretKey)
  const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length))
  const pair = { fingerprint, privateKey, publicKey }
  keyPairs.set(secretKey, pair)
  return pair
}

export function publicKeyOf (secretKey: Uint8Array): Uint8Array {
  return keyPairOf(secretKey).publicKey
}

/**
 * X25519 (RFC 7748) in OpenSSL rather than noble's: 150 us against 1,160 us a shared secret on this
 * machine, and the origin of a job computes one per member. The same clamping and u-coordinate
 * decoding; an all-zero result (a low-order key) throws in both.
 */
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex')

function privateKeyObject (secretKey: Uint8Array): KeyObject {
  if (secretKey.length !== 32) throw new RangeError('an X25519 secret key is 32 bytes')
  const der = Buffer.alloc(PKCS8_X25519.length + 32)
  PKCS8_X25519.copy(der)
  der.set(secretKey, PKCS8_X25519.length)
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } finally {
    der.fill(0)
  }
}

function publicKeyObject (publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== 32) throw new RangeError('an X25519 public key is 32 bytes')
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, publicKey]), format: 'der', type: 'spki' })
}

/** recipients' imported public keys: an origin seals every job's key to the same few members */
const recipients = new Map<string, KeyObject>()
const RECIPIENT_KEYS = 256

function recipientKeyObject (publicKey: Uint8Array): KeyObject {
  const hex = bytesToHex(publicKey)
  const hit = recipients.get(hex)
  if (hit !== undefined) return hit
  const key = publicKeyObject(publicKey)
  if (recipients.size >= RECIPIENT_KEYS) recipients.delete(recipients.keys().next().value as string)
  recipients.set(hex, key)
  return key
}

function sharedSecret (privateKey: KeyObject, peer: KeyObject): Uint8Array {
  return new Uint8Array(diffieHellman({ privateKey, publicKey: peer }))
}

export function sealKey (key: Uint8Array, ephemeralSecretKey: Uint8Array, recipientPublicKey: Uint8Array, info: Uint8Array): Hex {
  if (key.length !== SEALED_KEY_BYTES) throw new RangeError('the sealed key must be 32 bytes')
  // one lookup (and fingerprint) of the secret key for both its halves
  const { privateKey, publicKey: ephemeralPublicKey } = keyPairOf(ephemeralSecretKey)
  const shared = sharedSecret(privateKey, recipientKeyObject(recipientPublicKey))
  const wrapKey = hkdf(sha256, shared, concatBytes(ephemeralPublicKey, recipientPublicKey), info, SEALED_KEY_BYTES)
  const nonce = randomBytes(NONCE_BYTES)
  const sealed = chacha20poly1305(wrapKey, nonce).encrypt(key)
  wrapKey.fill(0)
  shared.fill(0)
  return `0x${bytesToHex(nonce)}${bytesToHex(sealed)}`
}

/**
 * Opens a sealed key. Throws KeyUnwrapError MALFORMED (bad lengths, low-order key, or `info` the caller
 * could not build) or AUTH_FAILED (wrong key or binding, tampered bytes).
 */
export function openKey (wrapped: Hex, recipientSecretKey: Uint8Array, ephemeralPublicKey: Uint8Array, info: () => Uint8Array): Uint8Array {
  let bytes: Uint8Array
  let wrapKey: Uint8Array
  try {
    bytes = hexToBytes(strip0x(wrapped))
    if (bytes.length !== WRAPPED_KEY_BYTES) throw new RangeError('a wrapped key is 60 bytes')
    const { privateKey, publicKey: recipientPublicKey } = keyPairOf(recipientSecretKey)
    const shared = sharedSecret(privateKey, publicKeyObject(ephemeralPublicKey))
    wrapKey = hkdf(sha256, shared, concatBytes(ephemeralPublicKey, recipientPublicKey), info(), SEALED_KEY_BYTES)
    shared.fill(0)
  } catch (err) {
    throw new KeyUnwrapError('MALFORMED', 'wrapped key, X25519 key or binding is malformed', { cause: err })
  }
  try {
    return chacha20poly1305(wrapKey, bytes.subarray(0, NONCE_BYTES)).decrypt(bytes.subarray(NONCE_BYTES))
  } catch (err) {
    throw new KeyUnwrapError('AUTH_FAILED', 'wrapped key does not open with this key and binding', { cause: err })
  } finally {
    wrapKey.fill(0)
  }
}

export function strip0x (hex: string): string {
  return hex.startsWith('0x') ? hex.slice(2) : hex
}

export function concatBytes (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) { out.set(p, offset); offset += p.length }
  return out
}

/** `hex` as exactly `bytes` bytes (lowercase or not), else a RangeError naming `what`. */
export function fixedBytes (hex: string, bytes: number, what: string): Uint8Array {
  const out = hexToBytes(strip0x(hex.toLowerCase()))
  if (out.length !== bytes) throw new RangeError(`${what} must be ${bytes} bytes`)
  return out
}
