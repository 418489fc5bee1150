// x25519-seal.ts's X25519 (OpenSSL) held to noble's, which it replaced: the same public keys, seals
// that open with noble's shared secret and the other way round, and the same keys refused (low-order
// points, non-canonical encodings accepted as RFC 7748 reads them).
import tap from 'tap'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { concatBytes, NONCE_BYTES, openKey, publicKeyOf, sealKey } from '../src/x25519-seal.ts'

const INFO = new TextEncoder().encode('x25519-seal test')
const P = 2n ** 255n - 19n
const le = (n: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))

/** noble's seal of `key`: what sealKey did before */
function nobleSeal (key: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): Uint8Array {
  const wrapKey = hkdf(sha256, x25519.getSharedSecret(ephemeral, recipient), concatBytes(x25519.getPublicKey(ephemeral), recipient), INFO, 32)
  const nonce = new Uint8Array(NONCE_BYTES).fill(7)
  return concatBytes(nonce, chacha20poly1305(wrapKey, nonce).encrypt(key))
}

const hexOf = (b: Uint8Array): `0x${string}` => `0x${Buffer.from(b).toString('hex')}`

tap.test('public keys and seals are noble\'s, both ways, on 50 random key pairs', async (t) => {
  let same = 0
  for (let i = 0; i < 50; i++) {
    const ephemeral = x25519.utils.randomSecretKey()
    const recipient = x25519.utils.randomSecretKey()
    const key = x25519.utils.randomSecretKey()
    const recipientPublic = x25519.getPublicKey(recipient)
    const ok = Buffer.from(publicKeyOf(ephemeral)).equals(x25519.getPublicKey(ephemeral)) &&
      Buffer.from(openKey(hexOf(nobleSeal(key, ephemeral, recipientPublic)), recipient, x25519.getPublicKey(ephemeral), () => INFO)).equals(key) &&
      Buffer.from(openKey(sealKey(key, ephemeral, recipientPublic, INFO), recipient, x25519.getPublicKey(ephemeral), () => INFO)).equals(key)
    const sealed = hexToBytes(sealKey(key, ephemeral, recipientPublic, INFO).slice(2))
    const wrapKey = hkdf(sha256, x25519.getSharedSecret(recipient, x25519.getPublicKey(ephemeral)), concatBytes(x25519.getPublicKey(ephemeral), recipientPublic), INFO, 32)
    if (ok && Buffer.from(chacha20poly1305(wrapKey, sealed.subarray(0, NONCE_BYTES)).decrypt(sealed.subarray(NONCE_BYTES))).equals(key)) same++
  }
  t.equal(same, 50)
})

tap.test('a public key is refused or read exactly as noble does: low order, top bit set, u >= p', async (t) => {
  const recipients = [0n, 1n, P - 1n, P, P + 1n, 2n ** 255n - 1n,
    // the order-8 points' u-coordinates (RFC 7748's low-order list)
    BigInt('0x' + 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'.match(/../g)?.toReversed().join('')),
    BigInt('0x' + '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'.match(/../g)?.toReversed().join(''))
  ].map(le)
  for (const u of [x25519.getPublicKey(x25519.utils.randomSecretKey())].map((pk) => { const b = Uint8Array.from(pk); b[31] = (b[31] as number) | 0x80; return b })) recipients.push(u)
  const ephemeral = x25519.utils.randomSecretKey()
  const key = x25519.utils.randomSecretKey()
  for (const [i, recipient] of recipients.entries()) {
    let noble: Uint8Array | undefined
    try { noble = nobleSeal(key, ephemeral, recipient) } catch { noble = undefined }
    let ours: string | undefined
    try { ours = sealKey(key, ephemeral, recipient, INFO) } catch { ours = undefined }
    t.equal(ours === undefined, noble === undefined, `key ${i}: refused by both or neither`)
    if (ours !== undefined) {
      const wrapKey = hkdf(sha256, x25519.getSharedSecret(ephemeral, recipient), concatBytes(x25519.getPublicKey(ephemeral), recipient), INFO, 32)
      const sealed = hexToBytes(ours.slice(2))
      t.same(chacha20poly1305(wrapKey, sealed.subarray(0, NONCE_BYTES)).decrypt(sealed.subarray(NONCE_BYTES)), key, `key ${i}: the same shared secret`)
    }
  }
})

tap.test('malformed keys throw', async (t) => {
  t.throws(() => publicKeyOf(new Uint8Array(31)), RangeError)
  t.throws(() => sealKey(new Uint8Array(32), new Uint8Array(33), new Uint8Array(32), INFO), RangeError)
  t.throws(() => sealKey(new Uint8Array(32), x25519.utils.randomSecretKey(), new Uint8Array(31), INFO), RangeError)
})

tap.test('a secret array reused with other bytes is a new key: its kept key object is not used for it', async (t) => {
  const secret = x25519.utils.randomSecretKey()
  const recipient = x25519.utils.randomSecretKey()
  const recipientPublic = x25519.getPublicKey(recipient)
  const key = x25519.utils.randomSecretKey()
  // the same array and recipient twice: the second seal uses the kept key objects
  for (let i = 0; i < 2; i++) {
    t.same(publicKeyOf(secret), x25519.getPublicKey(secret))
    t.same(openKey(sealKey(key, secret, recipientPublic, INFO), recipient, x25519.getPublicKey(secret), () => INFO), key)
    t.same(openKey(sealKey(key, recipient, x25519.getPublicKey(secret), INFO), secret, recipientPublic, () => INFO), key, 'and opened by the array\'s key')
  }
  secret.set(x25519.utils.randomSecretKey())
  t.same(publicKeyOf(secret), x25519.getPublicKey(secret), 'refilled: the new key\'s public key')
  t.same(openKey(sealKey(key, secret, recipientPublic, INFO), recipient, x25519.getPublicKey(secret), () => INFO), key, 'sealed with the new key')
  t.same(openKey(sealKey(key, recipient, x25519.getPublicKey(secret), INFO), secret, recipientPublic, () => INFO), key, 'opened with the new key')
  secret.fill(0)
  t.throws(() => openKey(sealKey(key, recipient, x25519.getPublicKey(x25519.utils.randomSecretKey()), INFO), secret, recipientPublic, () => INFO), 'zeroed: no longer the old key')
})
