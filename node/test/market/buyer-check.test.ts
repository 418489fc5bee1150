// The buyer's check of deliveries from untrusted nodes (SPEC 18), over a real encrypted sample: honest
// members' wraps pass and pay f+1 signers ascending; a member's tampered or wrong-key wrap is named with
// its code and the member whose signature it carries; a wrap changed in transit, a forged or foreign
// signature, an outsider and another order's delivery are refused; hostile answers don't parse.
import t from 'tap'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { CID } from 'multiformats/cid'
import { generateX25519KeyPair, orderWrapHash, signDelivered } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { CHAIN_ID, MEMBERS, OUTSIDER, REGISTRY } from '../../../protocol/test/fixtures.ts'
import { deliveryObject } from '../../src/api/routes/market.ts'
import { decryptSample, encryptSample } from '../../src/crypto/convergent.ts'
import { deriveContentKey } from '../../src/crypto/sample-digest.ts'
import { fulfilment, judgeDeliveries, parseDelivery } from '../../src/market/buyer-check.ts'
import type { OfferedDelivery } from '../../src/market/buyer-check.ts'
import { SAMPLE_PRODUCT, buildDelivery } from '../../src/market/delivery.ts'
import type { Actor } from '../../../protocol/test/fixtures.ts'

const SAMPLE = new TextEncoder().encode('the bytes a vendor bought')
const SHA = `0x${bytesToHex(sha256(SAMPLE))}` as Hex
const KEY = deriveContentKey(SAMPLE)
const blocks = [...encryptSample([SAMPLE], SAMPLE.length, KEY)]
const stored = new Map(blocks.map((b) => [b.cid.toString(), b.bytes]))
const SAMPLE_CID = blocks.at(-1)!.cid.toString()
const MARKET = `0x${'4d'.repeat(20)}` as Hex
const ORDER = 9n
const buyer = generateX25519KeyPair()
const buyerPublicKey = `0x${bytesToHex(buyer.publicKey)}` as Hex
const members = new Set(MEMBERS.map((m) => m.address))
const order = { chainId: CHAIN_ID, registry: REGISTRY, market: MARKET, orderId: ORDER, sha256: SHA, buyerPublicKey, buyerSecretKey: buyer.secretKey, isMember: (a: Hex) => members.has(a) }

async function decrypts (key: Uint8Array): Promise<boolean> {
  try {
    const bytes = await decryptSample(CID.parse(SAMPLE_CID), key, async (cid) => stored.get(cid.toString())!)
    return `0x${bytesToHex(sha256(bytes))}` === SHA
  } catch {
    return false
  }
}

/** `by`'s delivery as its node serves it, through the route's own shape and the buyer's parser */
async function offered (by: Actor, opts: { contentKey?: Uint8Array, orderId?: bigint } = {}): Promise<OfferedDelivery> {
  const event = { orderId: opts.orderId ?? ORDER, buyer: OUTSIDER.address, product: SAMPLE_PRODUCT, subject: SHA, buyerX25519Key: buyerPublicKey, price: 1n, deadline: 100, block: 1 }
  const d = await buildDelivery(event, { sha256: SHA, cid: SAMPLE_CID, contentKey: `0x${bytesToHex(opts.contentKey ?? KEY)}` },
    { chainId: CHAIN_ID, registry: REGISTRY, market: MARKET, member: by.address, signer: by.wallet, now: () => 1 })
  return parseDelivery(JSON.parse(JSON.stringify({ data: deliveryObject(d) })))
}
const flip = (hex: Hex, at: number): Hex => `${hex.slice(0, at)}${hex[at] === '0' ? '1' : '0'}${hex.slice(at + 1)}` as Hex

t.test('honest wraps pass; f+1 of them pay, signers ascending', async (tt) => {
  const judged = await judgeDeliveries(await Promise.all(MEMBERS.slice(0, 3).toReversed().map(async (m) => await offered(m))), order, decrypts)
  tt.same(judged.map((j) => j.ok), [true, true, true])
  tt.equal(bytesToHex((judged[0] as { contentKey: Uint8Array }).contentKey), bytesToHex(KEY))
  const pay = fulfilment(judged, 2)
  tt.same(pay?.wrapHashes, [judged[2]!.delivery.wrapHash, judged[1]!.delivery.wrapHash], 'the two lowest members, ascending')
  tt.equal(fulfilment(judged.slice(0, 1), 2), undefined, 'f passing: no fulfilment')
  tt.equal(fulfilment([judged[0]!, judged[0]!], 2), undefined, 'one member twice is one member')
})

t.test('each bad delivery is named by code, and by the member that signed it', async (tt) => {
  const [a, b, c] = MEMBERS
  const wrongKey = await offered(a!, { contentKey: new Uint8Array(32).fill(7) })
  // a member that signs a wrap that does not open: its signature over the bad wrap is the proof
  const honest = await offered(b!)
  const broken = { ...honest, wrappedKey: flip(honest.wrappedKey, 10) }
  broken.wrapHash = orderWrapHash(broken)
  broken.signature = await signDelivered({ market: MARKET, orderId: ORDER, wrapHash: broken.wrapHash }, CHAIN_ID, REGISTRY, b!.wallet)
  const inTransit = { ...(await offered(c!)), wrappedKey: flip(honest.wrappedKey, 12) }
  const staleSignature = { ...inTransit, wrapHash: orderWrapHash(inTransit) }
  const blamesAnother = { ...(await offered(c!)), member: a!.address }
  const outsider = await offered(OUTSIDER)
  const otherOrder = await offered(c!, { orderId: ORDER + 1n })
  const judged = await judgeDeliveries([wrongKey, broken, inTransit, staleSignature, blamesAnother, outsider, otherOrder], order, decrypts)
  tt.same(judged.map((j) => j.ok ? 'ok' : j.fault), ['KEY_DOES_NOT_DECRYPT', 'WRAP_DOES_NOT_OPEN', 'WRAP_HASH_MISMATCH', 'BAD_SIGNATURE', 'BAD_SIGNATURE', 'NOT_MEMBER', 'WRONG_ORDER'])
  tt.same(judged.slice(0, 2).map((j) => j.delivery.member), [a!.address, b!.address], 'provable faults name their signer')
  tt.equal(fulfilment(judged, 1), undefined, 'nothing bad is paid')
})

t.test('hostile answers do not parse', async (tt) => {
  const good = deliveryObject({
    market: MARKET, orderId: '9', sha256: SHA, cid: SAMPLE_CID, member: MEMBERS[0]!.address, wrap: { ephemeralPublicKey: `0x${'cd'.repeat(32)}`, wrappedKey: `0x${'ef'.repeat(60)}` },
    wrapHash: `0x${'12'.repeat(32)}`, signature: `0x${'34'.repeat(65)}`, signedAt: 1
  }) as { attributes: Record<string, unknown> }
  tt.equal(parseDelivery({ data: good }).orderId, 9n)
  const withAttr = (k: string, v: unknown): unknown => ({ data: { ...good, attributes: { ...good.attributes, [k]: v } } })
  const bad: unknown[] = [null, [], 'x', 42, {}, { data: null }, { data: { attributes: [] } }, { data: { attributes: null } },
    withAttr('order_id', '09'), withAttr('order_id', (2n ** 256n).toString()), withAttr('order_id', 9), withAttr('order_id', '-1'), withAttr('order_id', '9'.repeat(5000)),
    withAttr('market', '0x1234'), withAttr('sha256', `0x${'zz'.repeat(32)}`), withAttr('wrapped_key', `0x${'ef'.repeat(61)}`), withAttr('signature', undefined),
    withAttr('cid', '../../etc/passwd'), withAttr('cid', 'b'.repeat(129)), withAttr('member', { toString: () => MEMBERS[0]!.address }),
    JSON.parse('{"data":{"attributes":{"__proto__":{"market":"0x4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"}}}}')]
  for (const [i, b] of bad.entries()) tt.throws(() => parseDelivery(b), { name: 'MarketError', code: 'BAD_DELIVERY' }, `hostile answer ${i}`)
})
