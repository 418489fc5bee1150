import tap from 'tap'
import { generateX25519KeyPair, KeyUnwrapError, unwrapContentKey, wrapContentKey, WRAPPED_KEY_BYTES } from '../src/index.ts'
import type { Hex } from '../src/index.ts'
import { CONTENT_KEY, member, SHA256 } from './fixtures.ts'

const eph = generateX25519KeyPair()
const m = member(2)
const wrap = (over: Partial<Parameters<typeof wrapContentKey>[0]> = {}): Hex => wrapContentKey({
  contentKey: CONTENT_KEY, ephemeralSecretKey: eph.secretKey, memberPublicKey: m.x25519PublicKey, member: m.address, sha256: SHA256, ...over
})
const unwrap = (wrappedKey: Hex, over: Partial<Parameters<typeof unwrapContentKey>[0]> = {}): Uint8Array => unwrapContentKey({
  wrappedKey, memberSecretKey: m.x25519SecretKey, ephemeralPublicKey: eph.publicKey, member: m.address, sha256: SHA256, ...over
})
const failsWith = (code: 'AUTH_FAILED' | 'MALFORMED') => ({ name: 'KeyUnwrapError', code })

tap.test('round trip', async t => {
  const w = wrap()
  t.equal((w.length - 2) / 2, WRAPPED_KEY_BYTES)
  t.same(unwrap(w), CONTENT_KEY)
})

tap.test('nonces are random: two wraps of one key differ', async t => {
  t.not(wrap(), wrap())
})

tap.test('generated key pairs are 32-byte X25519 keys', async t => {
  const kp = generateX25519KeyPair()
  t.equal(kp.secretKey.length, 32)
  t.equal(kp.publicKey.length, 32)
})

tap.test('another member key fails', async t => {
  t.throws(() => unwrap(wrap(), { memberSecretKey: member(3).x25519SecretKey }), failsWith('AUTH_FAILED'))
})

tap.test('the wrong member address or sample sha256 fails (HKDF binding)', async t => {
  const w = wrap()
  t.throws(() => unwrap(w, { member: member(3).address }), failsWith('AUTH_FAILED'))
  t.throws(() => unwrap(w, { sha256: `0x${'00'.repeat(32)}` }), failsWith('AUTH_FAILED'))
  t.throws(() => unwrap(w, { ephemeralPublicKey: generateX25519KeyPair().publicKey }), failsWith('AUTH_FAILED'))
})

tap.test('tampered nonce, ciphertext or tag fails', async t => {
  const w = wrap()
  for (const byte of [0, 12, 30, 59]) {
    const pos = 2 + byte * 2
    const flipped = (Number.parseInt(w.slice(pos, pos + 2), 16) ^ 1).toString(16).padStart(2, '0')
    t.throws(() => unwrap(`${w.slice(0, pos)}${flipped}${w.slice(pos + 2)}` as Hex), failsWith('AUTH_FAILED'), `byte ${byte}`)
  }
})

tap.test('malformed inputs fail as MALFORMED', async t => {
  const w = wrap()
  t.throws(() => unwrap(w.slice(0, -2) as Hex), failsWith('MALFORMED'), 'short')
  t.throws(() => unwrap(`${w}00`), failsWith('MALFORMED'), 'long')
  t.throws(() => unwrap('0xzz' as Hex), failsWith('MALFORMED'), 'not hex')
  t.throws(() => unwrap(w, { ephemeralPublicKey: new Uint8Array(32) }), failsWith('MALFORMED'), 'low-order point')
  t.throws(() => unwrap(w, { member: '0x1234' }), failsWith('MALFORMED'), 'short member')
  t.ok(unwrap(w) instanceof Uint8Array)
  t.throws(() => unwrap(w, { memberSecretKey: new Uint8Array(31) }), KeyUnwrapError)
})

tap.test('wrapping refuses a content key that is not 32 bytes', async t => {
  t.throws(() => wrap({ contentKey: new Uint8Array(16) }), RangeError)
})
