/**
 * A vendor's registration (SPEC 19): the strict parse refuses every malformed, oversize and hostile shape
 * by code, and the pure checks hold it to its hunt order: the ruleset, the buyer, the product, the paid
 * period and the followed block.
 */
import tap from 'tap'
import { bytesToHex } from '@noble/hashes/utils.js'
import { checkHuntRegistration, HUNT_PRODUCT, MAX_REGISTRATION_BYTES, MAX_SEALS, parseHuntRegistration, parseHuntRegistrationText, sealRuleset } from '../../src/hunt/index.ts'
import type { HuntOrder, HuntRegistration, RegistrationContext } from '../../src/hunt/index.ts'
import type { Hex } from '../../src/messages.ts'
import { CHAIN_ID, member, REGISTRY } from '../fixtures.ts'

const VENDOR = `0x${'ab'.repeat(20)}` as Hex
const members = [member(0), member(1), member(2), member(3)]
const sealed = sealRuleset('rule a { condition: true }', members.map((m) => ({ member: m.address, x25519Key: `0x${bytesToHex(m.x25519PublicKey)}` as Hex })), { chainId: CHAIN_ID, registry: REGISTRY })
const reg: HuntRegistration = { vendor: VENDOR, rulesetId: sealed.rulesetId, orderId: '7', membershipBlock: 40, ciphertext: sealed.ciphertext, ephemeralPublicKey: sealed.ephemeralPublicKey, seals: sealed.seals }
const order: HuntOrder = { orderId: 7n, buyer: VENDOR, product: HUNT_PRODUCT, subject: sealed.rulesetId, block: 41, deadline: 100 }
const ctx: RegistrationContext = { order, head: 50, followedBlock: 48 }

tap.test('a registration round-trips through JSON in key order', async (t) => {
  const parsed = parseHuntRegistrationText(JSON.stringify(reg))
  t.same(parsed, reg)
  t.equal(JSON.stringify(parsed), JSON.stringify(reg))
  t.equal(HUNT_PRODUCT, `0x${bytesToHex(new TextEncoder().encode('hunt'))}${'00'.repeat(28)}`)
  t.same(checkHuntRegistration(parsed, ctx), order)
})

tap.test('hostile and malformed registrations are MALFORMED or OVERSIZE', async (t) => {
  const bad: Array<[string, unknown]> = [
    ['null', null], ['an array', [reg]], ['a string', 'x'], ['a number', 7],
    ['a missing key', { ...reg, seals: undefined }],
    ['an extra key', { ...reg, rules: 'rule x { condition: true }' }],
    ['__proto__', JSON.parse(JSON.stringify(reg).replace('"vendor"', '"__proto__"'))],
    ['upper-case hex', { ...reg, vendor: VENDOR.toUpperCase().replace('0X', '0x') }],
    ['a short vendor', { ...reg, vendor: '0xabab' }],
    ['no 0x', { ...reg, rulesetId: reg.rulesetId.slice(2) }],
    ['orderId as a number', { ...reg, orderId: 7 }],
    ['orderId with a leading zero', { ...reg, orderId: '07' }],
    ['orderId negative', { ...reg, orderId: '-1' }],
    ['orderId above uint256', { ...reg, orderId: (1n << 256n).toString() }],
    ['a fractional block', { ...reg, membershipBlock: 1.5 }],
    ['a negative block', { ...reg, membershipBlock: -1 }],
    ['an unsafe block', { ...reg, membershipBlock: 2 ** 53 }],
    ['a block as a string', { ...reg, membershipBlock: '40' }],
    ['an empty ciphertext', { ...reg, ciphertext: '0x' }],
    ['a ciphertext of a nonce and tag only', { ...reg, ciphertext: `0x${'00'.repeat(28)}` }],
    ['odd hex', { ...reg, ciphertext: `${reg.ciphertext}0` }],
    ['no seals', { ...reg, seals: [] }],
    ['seals not an array', { ...reg, seals: {} }],
    ['too many seals', { ...reg, seals: Array.from({ length: MAX_SEALS + 1 }, (_, i) => ({ member: `0x${i.toString(16).padStart(40, '0')}`, sealedKey: `0x${'00'.repeat(60)}` })) }],
    ['seals out of order', { ...reg, seals: reg.seals.toReversed() }],
    ['a duplicate seal', { ...reg, seals: [reg.seals[0], reg.seals[0]] }],
    ['a short sealed key', { ...reg, seals: [{ ...reg.seals[0], sealedKey: '0x00' }] }],
    ['a seal with an extra key', { ...reg, seals: [{ ...reg.seals[0], x25519Key: '0x00' }] }],
    ['a seal that is a string', { ...reg, seals: ['0x00'] }]
  ]
  for (const [name, value] of bad) t.throws(() => parseHuntRegistration(value), { name: 'HuntError', code: 'MALFORMED' }, name)
  t.throws(() => parseHuntRegistrationText('{"vendor":'), { code: 'MALFORMED' }, 'truncated JSON')
  t.throws(() => parseHuntRegistrationText(' '.repeat(MAX_REGISTRATION_BYTES + 1)), { code: 'OVERSIZE' }, 'oversize is refused unread')
  t.throws(() => parseHuntRegistration({ ...reg, ciphertext: `0x${'00'.repeat(65_536 + 29)}` }), { code: 'MALFORMED' }, 'a ciphertext above the rules bound')
})

tap.test('the registration is held to its order', async (t) => {
  const cases: Array<[string, HuntRegistration, typeof ctx, string]> = [
    ['a ciphertext that is not the ruleset', { ...reg, rulesetId: `0x${'11'.repeat(32)}` }, ctx, 'ID_MISMATCH'],
    ['no confirmed order', reg, { ...ctx, order: undefined }, 'NO_ORDER'],
    ['another order read', { ...reg, orderId: '8' }, ctx, 'NO_ORDER'],
    ['a sample order', reg, { ...ctx, order: { ...order, product: `0x${'00'.repeat(32)}` } }, 'WRONG_ORDER'],
    ['an order of another ruleset', reg, { ...ctx, order: { ...order, subject: `0x${'22'.repeat(32)}` } }, 'WRONG_ORDER'],
    ['someone else\'s order', { ...reg, vendor: `0x${'cd'.repeat(20)}` }, ctx, 'WRONG_ORDER'],
    ['a lapsed order', reg, { ...ctx, head: 101 }, 'EXPIRED'],
    ['seals for a block not followed', { ...reg, membershipBlock: 49 }, ctx, 'FUTURE_BLOCK']
  ]
  for (const [name, r, c, code] of cases) t.throws(() => checkHuntRegistration(r, c), { code }, name)
  t.ok(checkHuntRegistration(reg, { ...ctx, head: 100 }), 'the deadline block itself is paid')
})
