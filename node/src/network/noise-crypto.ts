/**
 * @libp2p/noise's own crypto, except that a frame of 1200 bytes or more (where it uses OpenSSL's
 * ChaCha20-Poly1305, its wasm one below) is sealed under a KeyObject made once per session key.
 * The library passes the raw key on every frame, and importing it was most of the cost: 27 µs a
 * 1.5 KB frame against 9 µs (measured on this machine), and every gossip message is sealed once per
 * peer it goes to and opened by each. The bytes on the wire are the same; a peer on the stock library
 * reads them.
 */
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto'
import { defaultCrypto } from '@libp2p/noise/crypto'
import type { KeyObject } from 'node:crypto'
import type { ICryptoInterface } from '@libp2p/noise'

/** a frame as the library hands it over: one array, or a list of them */
type Frame = Parameters<ICryptoInterface['chaCha20Poly1305Encrypt']>[0]

/** @libp2p/noise's own split between its wasm and OpenSSL ciphers */
const NATIVE_FROM_BYTES = 1200
const TAG_BYTES = 16
const CIPHER = 'chacha20-poly1305'

/**
 * KeyObjects by the library's key array (one per direction of a session, fixed for its life). The
 * entry keeps the bytes it was made from, so an array refilled since gets a new KeyObject.
 */
const keyObjects = new WeakMap<Uint8Array, { bytes: Buffer, key: KeyObject }>()

function keyObjectOf (k: Uint8Array): KeyObject {
  const hit = keyObjects.get(k)
  if (hit?.bytes.equals(k) === true) return hit.key
  const key = createSecretKey(k)
  keyObjects.set(k, { bytes: Buffer.from(k), key })
  return key
}

function parts (data: Frame): Iterable<Uint8Array> {
  return data instanceof Uint8Array ? [data] : data
}

export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
    if (plaintext.byteLength < NATIVE_FROM_BYTES) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
    const cipher = createCipheriv(CIPHER, keyObjectOf(k), nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
    const out = [...parts(plaintext)].map((p) => cipher.update(p))
    out.push(cipher.final(), cipher.getAuthTag())
    return Buffer.concat(out)
  },
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
    if (ciphertext.byteLength < NATIVE_FROM_BYTES) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
    const end = ciphertext.byteLength - TAG_BYTES
    const decipher = createDecipheriv(CIPHER, keyObjectOf(k), nonce, { authTagLength: TAG_BYTES })
    const text = ciphertext instanceof Uint8Array ? ciphertext.subarray(0, end) : ciphertext.sublist(0, end)
    decipher.setAAD(ad, { plaintextLength: text.byteLength })
    decipher.setAuthTag(ciphertext.subarray(end))
    const out = [...parts(text)].map((p) => decipher.update(p))
    out.push(decipher.final())
    return out.length === 1 ? out[0] as Buffer : Buffer.concat(out)
  }
}
