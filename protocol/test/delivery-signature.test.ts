/**
 * The market topic's message (SPEC 18): a member's Delivered signature for an order. Its one encoding (a
 * pinned vector), the strict parse of hostile JSON and bytes, and the judgement a node's handler applies.
 */
import tap from 'tap'
import { decodeMessage, encodeMessage, parseDeliverySignature, signDelivered, validateDeliverySignature } from '../src/index.ts'
import type { DeliverySignature, DeliverySignatureContext, Hex } from '../src/index.ts'
import { CHAIN_ID, member, OUTSIDER, REGISTRY } from './fixtures.ts'

const MARKET = `0x${'4d'.repeat(20)}` as Hex
const WRAP = `0x${'a5'.repeat(32)}` as Hex
const M = member(1).address
// member(1)'s signature of Delivered(MARKET, 7, WRAP) under CHAIN_ID and REGISTRY (RFC 6979: the same every run)
const VECTOR = '{"type":"delivery-signature","market":"0x4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d","orderId":"7","member":"0x3325a78425f17a7e487eb5666b2bfd93abb06c70",' +
  '"wrapHash":"0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5","signature":"0x4ecb1ca196164230f68cbd0d7f7ad45b4258650376962618b4fbde2327feeab2' +
  '563b4113fdf8b8be8cf231e909acd2c8ed819c6b089c4285c298b623662e91601c"}'

async function message (orderId = 7n, by = member(1)): Promise<DeliverySignature> {
  const signature = await signDelivered({ market: MARKET, orderId, wrapHash: WRAP }, CHAIN_ID, REGISTRY, by.wallet)
  return { type: 'delivery-signature', market: MARKET, orderId: orderId.toString(), member: by.address, wrapHash: WRAP, signature }
}

function context (over: Partial<DeliverySignatureContext> = {}): DeliverySignatureContext {
  return {
    chainId: CHAIN_ID,
    registry: REGISTRY,
    market: MARKET,
    order: (id) => id === 7n ? { block: 40, deadline: 60 } : undefined,
    isClosed: () => false,
    isMemberAt: (m, block) => m !== OUTSIDER.address && block === 40,
    has: () => false,
    ...over
  }
}

tap.test('the encoding vector: one spelling on the market topic, and it decodes back', async (t) => {
  const msg = await message()
  const bytes = encodeMessage(msg)
  t.equal(new TextDecoder().decode(bytes), VECTOR)
  t.same(decodeMessage('market', bytes), msg)
  t.same(parseDeliverySignature(JSON.parse(VECTOR)), msg)
  t.same(validateDeliverySignature(msg, context()), { orderId: 7n, member: M, delivered: { market: MARKET, orderId: 7n, wrapHash: WRAP } })
  const spaced = new TextEncoder().encode(VECTOR.replace(',"orderId"', ', "orderId"'))
  t.throws(() => decodeMessage('market', spaced), { code: 'MALFORMED' }, 'another spelling of the same message')
  const reordered = new TextEncoder().encode(JSON.stringify({ market: msg.market, type: msg.type, orderId: msg.orderId, member: msg.member, wrapHash: msg.wrapHash, signature: msg.signature }))
  t.throws(() => decodeMessage('market', reordered), { code: 'MALFORMED' }, 'keys out of order')
})

tap.test('hostile JSON and bytes are MALFORMED or OVERSIZE, rejected', async (t) => {
  const good = await message()
  const cases: Array<[string, unknown]> = [
    ['null', null], ['an array', [good]], ['a string', 'delivery-signature'], ['a number', 7],
    ['a missing key', { ...good, wrapHash: undefined }], ['an extra key', { ...good, extra: 1 }],
    ['__proto__ for signature', JSON.parse(VECTOR.replace('"signature":', '"__proto__":'))],
    ['another type', { ...good, type: 'rewards-signature' }],
    ['a numeric order id', { ...good, orderId: 7 }], ['a leading zero', { ...good, orderId: '07' }], ['a negative order id', { ...good, orderId: '-7' }],
    ['a hex order id', { ...good, orderId: '0x7' }], ['an order id past uint256', { ...good, orderId: (1n << 256n).toString() }], ['a 10 kB order id', { ...good, orderId: '9'.repeat(10_000) }],
    ['an uppercase member', { ...good, member: M.toUpperCase().replace('0X', '0x') }], ['a short market', { ...good, market: MARKET.slice(0, 40) }],
    ['a short wrap hash', { ...good, wrapHash: WRAP.slice(0, 64) }], ['a long signature', { ...good, signature: `${good.signature}00` }],
    ['a non-hex signature', { ...good, signature: `0x${'zz'.repeat(65)}` }], ['a nested object', { ...good, member: { address: M } }]
  ]
  for (const [name, value] of cases) t.throws(() => parseDeliverySignature(value), { name: 'GossipValidationError', code: 'MALFORMED', action: 'reject' }, name)
  t.equal(parseDeliverySignature({ ...good, orderId: ((1n << 256n) - 1n).toString() }).orderId, ((1n << 256n) - 1n).toString(), 'the largest uint256 parses')
  t.throws(() => decodeMessage('market', new Uint8Array(1025)), { code: 'OVERSIZE', action: 'reject' }, 'over the topic\'s 1 KiB, unread')
  t.throws(() => decodeMessage('market', new Uint8Array([0xff, 0xfe, 0x7b])), { code: 'MALFORMED' }, 'not UTF-8')
  t.throws(() => decodeMessage('market', new TextEncoder().encode(`${VECTOR}x`)), { code: 'MALFORMED' }, 'trailing bytes')
  t.throws(() => decodeMessage('rewards', encodeMessage(good)), { code: 'MALFORMED' }, 'on another topic')
})

tap.test('the judgement: unknown and closed orders and a second signature are ignored; another market, outsiders and forgeries rejected', async (t) => {
  const good = await message()
  const cases: Array<[string, DeliverySignature, DeliverySignatureContext, string, string]> = [
    ['another market', { ...good, market: `0x${'4e'.repeat(20)}` }, context(), 'reject', 'WRONG_MARKET'],
    ['an order not confirmed here', await message(8n), context(), 'ignore', 'UNKNOWN_ORDER'],
    ['a closed order', good, context({ isClosed: (id) => id === 7n }), 'ignore', 'ORDER_CLOSED'],
    ['an outsider\'s own signature', await message(7n, OUTSIDER), context(), 'reject', 'NOT_MEMBER'],
    ['a member only at another block', good, context({ isMemberAt: (_, block) => block !== 40 }), 'reject', 'NOT_MEMBER'],
    ['a second signature of the member', good, context({ has: (id, m) => id === 7n && m === M }), 'ignore', 'DUPLICATE'],
    ['another wrap than signed', { ...good, wrapHash: `0x${'a6'.repeat(32)}` }, context(), 'reject', 'SIGNER_MISMATCH'],
    ['another chain', good, context({ chainId: 1 }), 'reject', 'SIGNER_MISMATCH'],
    ['another member\'s signature claimed', { ...good, signature: (await message(7n, member(2))).signature }, context(), 'reject', 'SIGNER_MISMATCH'],
    ['a zero signature', { ...good, signature: `0x${'00'.repeat(65)}` }, context(), 'reject', 'BAD_SIGNATURE'],
    ['a high-s signature', { ...good, signature: `${good.signature.slice(0, 66)}${'f'.repeat(64)}${good.signature.slice(130)}` as Hex }, context(), 'reject', 'BAD_SIGNATURE']
  ]
  for (const [name, msg, ctx, action, code] of cases) t.throws(() => validateDeliverySignature(msg, ctx), { name: 'GossipValidationError', action, code }, name)
})
