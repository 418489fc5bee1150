// The supernode's noise crypto against @libp2p/noise's own: what one seals the other opens, on both
// sides of the 1200-byte split, from one array or a list; a tampered frame, another binding or a key
// array refilled since does not open.
import { randomBytes } from 'node:crypto'
import tap from 'tap'
import { defaultCrypto } from '@libp2p/noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { noiseCrypto } from '../../src/network/noise-crypto.ts'

const SIZES = [0, 1, 1183, 1199, 1200, 1201, 4096, 65535]
const flat = (data: Uint8Array | Uint8ArrayList): Uint8Array => data instanceof Uint8Array ? data : data.subarray()

/** the bytes as a list of uneven parts, as the library hands a framed message over */
function listOf (bytes: Uint8Array): Uint8ArrayList {
  const list = new Uint8ArrayList()
  for (let at = 0, step = 1; at < bytes.byteLength; at += step, step = step * 3 + 7) list.append(bytes.subarray(at, Math.min(bytes.byteLength, at + step)))
  return list
}

tap.test('what either seals, the other opens, for arrays and lists on both sides of the split', async (t) => {
  const k = randomBytes(32)
  const nonce = randomBytes(12)
  const ad = randomBytes(32)
  let same = 0
  let opened = 0
  for (const size of SIZES) {
    const plain = randomBytes(size)
    for (const input of [plain, listOf(plain)]) {
      const ours = flat(noiseCrypto.chaCha20Poly1305Encrypt(input, nonce, ad, k))
      const theirs = flat(defaultCrypto.chaCha20Poly1305Encrypt(input, nonce, ad, k))
      if (Buffer.from(ours).equals(theirs)) same++
      for (const [seal, open] of [[ours, noiseCrypto], [ours, defaultCrypto], [theirs, noiseCrypto]] as const) {
        for (const frame of [seal, listOf(seal)]) {
          if (Buffer.from(flat(open.chaCha20Poly1305Decrypt(frame, nonce, ad, k))).equals(plain)) opened++
        }
      }
    }
  }
  t.equal(same, SIZES.length * 2, 'the same bytes on the wire')
  t.equal(opened, SIZES.length * 2 * 3 * 2, 'every frame opens to its plaintext')
})

tap.test('a tampered frame, another nonce or binding, or another key does not open', async (t) => {
  const k = randomBytes(32)
  const nonce = randomBytes(12)
  const ad = randomBytes(32)
  for (const size of [100, 1200, 5000]) {
    const sealed = Buffer.from(flat(noiseCrypto.chaCha20Poly1305Encrypt(randomBytes(size), nonce, ad, k)))
    const flipped = Buffer.from(sealed)
    flipped[0] = (flipped[0] as number) ^ 1
    const tag = Buffer.from(sealed)
    tag[tag.length - 1] = (tag[tag.length - 1] as number) ^ 1
    t.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(flipped, nonce, ad, k), `${size}: a flipped ciphertext bit`)
    t.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(tag, nonce, ad, k), `${size}: a flipped tag bit`)
    t.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed.subarray(0, 15), nonce, ad, k), `${size}: shorter than a tag`)
    t.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, randomBytes(12), ad, k), `${size}: another nonce`)
    t.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, randomBytes(32), k), `${size}: another binding`)
    t.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, randomBytes(32)), `${size}: another key`)
  }
})

tap.test('a key array refilled in place seals under its new bytes, not a kept key', async (t) => {
  const k = randomBytes(32)
  const nonce = randomBytes(12)
  const plain = randomBytes(2000)
  const before = Buffer.from(flat(noiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, new Uint8Array(0), k)))
  k.set(randomBytes(32))
  const after = Buffer.from(flat(noiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, new Uint8Array(0), k)))
  t.not(after.toString('hex'), before.toString('hex'))
  t.equal(after.toString('hex'), Buffer.from(flat(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, new Uint8Array(0), k))).toString('hex'), 'what the library seals under the new key')
  t.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(before, nonce, new Uint8Array(0), k), 'the old frame no longer opens')
})
