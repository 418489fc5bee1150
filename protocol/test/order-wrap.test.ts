import tap from 'tap'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { generateX25519KeyPair, judgeOrderWrap, orderWrapHash, unwrapOrderWrap, wrapContentKey, wrapForOrder } from '../src/index.ts'
import type { Hex, OrderBinding, OrderWrap } from '../src/index.ts'
import { CONTENT_KEY, member } from './fixtures.ts'

// a real sample under the content key, as the node stores it in spirit: the key opens it, its sha256 names it
const SAMPLE = new TextEncoder().encode('a sample a vendor bought')
const NONCE = new Uint8Array(12)
const sealedSample = (key: Uint8Array): Uint8Array => chacha20poly1305(key, NONCE).encrypt(SAMPLE)
const STORED = sealedSample(CONTENT_KEY)
const SAMPLE_SHA256 = `0x${bytesToHex(sha256(SAMPLE))}` as Hex
function decryptsSample (key: Uint8Array): boolean {
  try {
    return `0x${bytesToHex(sha256(chacha20poly1305(key, NONCE).decrypt(STORED)))}` === SAMPLE_SHA256
  } catch {
    return false
  }
}

const buyer = generateX25519KeyPair()
const buyerPublic = `0x${bytesToHex(buyer.publicKey)}` as Hex
const binding: OrderBinding = { chainId: 31337, market: `0x${'4d'.repeat(20)}`, orderId: 7n, sha256: SAMPLE_SHA256, member: member(1).address }
const failsWith = (code: 'AUTH_FAILED' | 'MALFORMED') => ({ name: 'KeyUnwrapError', code })
const flip = (hex: Hex, at: number): Hex => `${hex.slice(0, at)}${hex[at] === '0' ? '1' : '0'}${hex.slice(at + 1)}` as Hex

tap.test('the buyer opens a member\'s wrap for its order, and the key opens the sample', async t => {
  const wrap = wrapForOrder(CONTENT_KEY, buyer.publicKey, binding)
  t.match(wrap, { ephemeralPublicKey: /^0x[0-9a-f]{64}$/, wrappedKey: /^0x[0-9a-f]{120}$/ })
  t.same(unwrapOrderWrap(wrap, buyer.secretKey, binding), CONTENT_KEY)
  const judged = judgeOrderWrap(wrap, buyer.secretKey, buyerPublic, binding, decryptsSample)
  t.ok(judged.ok, 'an honest wrap is judged good')
  const again = wrapForOrder(CONTENT_KEY, buyer.publicKey, binding)
  t.not(again.ephemeralPublicKey, wrap.ephemeralPublicKey, 'a fresh ephemeral key per wrap')
})

tap.test('a wrap opens for its own order only: chain, market, order, sample and member are bound', async t => {
  const wrap = wrapForOrder(CONTENT_KEY, buyer.publicKey, binding)
  const others: Array<[string, OrderBinding]> = [
    ['another chain', { ...binding, chainId: 1 }],
    ['another market', { ...binding, market: `0x${'4e'.repeat(20)}` }],
    ['another order', { ...binding, orderId: 8n }],
    ['another sample', { ...binding, sha256: `0x${'00'.repeat(32)}` }],
    ['another member', { ...binding, member: member(2).address }]
  ]
  for (const [name, other] of others) t.throws(() => unwrapOrderWrap(wrap, buyer.secretKey, other), failsWith('AUTH_FAILED'), name)
  t.throws(() => unwrapOrderWrap(wrap, generateX25519KeyPair().secretKey, binding), failsWith('AUTH_FAILED'), 'another buyer key')
})

tap.test('a member\'s scan wrap is no order wrap: the two constructions are domain-separated', async t => {
  const ephemeral = generateX25519KeyPair()
  const scanWrap = wrapContentKey({ contentKey: CONTENT_KEY, ephemeralSecretKey: ephemeral.secretKey, memberPublicKey: buyer.publicKey, member: binding.member, sha256: binding.sha256 })
  const asOrder: OrderWrap = { ephemeralPublicKey: `0x${bytesToHex(ephemeral.publicKey)}`, wrappedKey: scanWrap }
  t.throws(() => unwrapOrderWrap(asOrder, buyer.secretKey, binding), failsWith('AUTH_FAILED'))
})

tap.test('tampered, short, long or hostile wraps fail with a code, never a crash', async t => {
  const wrap = wrapForOrder(CONTENT_KEY, buyer.publicKey, binding)
  for (const at of [2, 25, 60, 121]) t.throws(() => unwrapOrderWrap({ ...wrap, wrappedKey: flip(wrap.wrappedKey, at) }, buyer.secretKey, binding), failsWith('AUTH_FAILED'), `byte ${at} flipped`)
  const hostile: Array<[string, OrderWrap]> = [
    ['a short wrap', { ...wrap, wrappedKey: wrap.wrappedKey.slice(0, -2) as Hex }],
    ['a long wrap', { ...wrap, wrappedKey: `${wrap.wrappedKey}00` }],
    ['a wrap of 1 MB', { ...wrap, wrappedKey: `0x${'ab'.repeat(1_000_000)}` }],
    ['not hex', { ...wrap, wrappedKey: `0x${'zz'.repeat(60)}` as Hex }],
    ['a low-order ephemeral key', { ...wrap, ephemeralPublicKey: `0x${'00'.repeat(32)}` }],
    ['a short ephemeral key', { ...wrap, ephemeralPublicKey: `0x${'11'.repeat(31)}` }],
    ['an ephemeral key that is not hex', { ...wrap, ephemeralPublicKey: 'eph' as Hex }]
  ]
  for (const [name, bad] of hostile) t.throws(() => unwrapOrderWrap(bad, buyer.secretKey, binding), failsWith('MALFORMED'), name)
  t.throws(() => unwrapOrderWrap(wrap, buyer.secretKey, { ...binding, orderId: -1n }), failsWith('MALFORMED'), 'a negative order id')
  t.throws(() => unwrapOrderWrap(wrap, buyer.secretKey, { ...binding, market: '0x12' }), failsWith('MALFORMED'), 'a market that is no address')
  t.throws(() => wrapForOrder(CONTENT_KEY.subarray(1), buyer.publicKey, binding), RangeError, 'a content key of 31 bytes is not sealed')
})

tap.test('anyone judges a delivery once the buyer reveals its per-order key: whose fault, and which', async t => {
  const honest = wrapForOrder(CONTENT_KEY, buyer.publicKey, binding)
  t.same(judgeOrderWrap(honest, generateX25519KeyPair().secretKey, buyerPublic, binding, decryptsSample), { ok: false, fault: 'WRONG_BUYER_KEY' }, 'a revealed key that is not the order\'s blames the buyer')
  t.same(judgeOrderWrap(honest, new Uint8Array(5), buyerPublic, binding, decryptsSample), { ok: false, fault: 'WRONG_BUYER_KEY' }, 'a revealed key of 5 bytes')
  t.same(judgeOrderWrap({ ...honest, wrappedKey: flip(honest.wrappedKey, 40) }, buyer.secretKey, buyerPublic, binding, decryptsSample), { ok: false, fault: 'WRAP_DOES_NOT_OPEN' })
  t.same(judgeOrderWrap({ ...honest, wrappedKey: '0x00' }, buyer.secretKey, buyerPublic, binding, decryptsSample), { ok: false, fault: 'WRAP_MALFORMED' })
  const wrongKey = wrapForOrder(new Uint8Array(32).fill(9), buyer.publicKey, binding)
  t.same(judgeOrderWrap(wrongKey, buyer.secretKey, buyerPublic, binding, decryptsSample), { ok: false, fault: 'KEY_DOES_NOT_DECRYPT' }, 'a wrap of another key opens, but not the sample')
})

tap.test('the delivery hash names the ephemeral key and the wrap, byte for byte', async t => {
  const wrap = wrapForOrder(CONTENT_KEY, buyer.publicKey, binding)
  const hash = orderWrapHash(wrap)
  t.match(hash, /^0x[0-9a-f]{64}$/)
  t.equal(orderWrapHash({ ...wrap }), hash)
  t.not(orderWrapHash({ ...wrap, wrappedKey: flip(wrap.wrappedKey, 100) }), hash)
  t.not(orderWrapHash({ ...wrap, ephemeralPublicKey: flip(wrap.ephemeralPublicKey, 10) }), hash)
  t.throws(() => orderWrapHash({ ...wrap, wrappedKey: '0x00' }), RangeError)
})
