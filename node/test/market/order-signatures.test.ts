// The members' Delivered signatures a member holds (SPEC 18): bounded in orders and in signatures held for
// orders not followed yet, one signature per member, forgotten past the deadline, fulfil's arguments
// ascending by signer; and the turn arithmetic members take their turns by.
import tap from 'tap'
import { signDelivered } from '#protocol/index.ts'
import type { DeliverySignature, Hex, OrderedEvent } from '#protocol/index.ts'
import { latestTurn, turnOrder } from '../../src/chain/turn-order.ts'
import { createOrderSignatures } from '../../src/market/order-signatures.ts'
import { CHAIN_ID, MEMBERS, OUTSIDER, REGISTRY } from '../fixtures/signed-reports.ts'

const MARKET = `0x${'4d'.repeat(20)}` as Hex
const members = MEMBERS.map((m) => m.address)
const isMemberAt = (m: Hex, block: number): boolean => block >= 1 && members.includes(m)
const order = (orderId: bigint, deadline = 100): OrderedEvent =>
  ({ orderId, buyer: OUTSIDER.address, product: `0x${'73'.repeat(32)}`, subject: `0x${'ab'.repeat(32)}`, buyerX25519Key: `0x${'01'.repeat(32)}`, price: 1n, deadline, block: 5 })

async function signed (i: number, orderId: bigint, wrapHash: Hex = `0x${String(i + 1).repeat(64)}` as Hex): Promise<DeliverySignature> {
  const m = MEMBERS[i] as typeof MEMBERS[number]
  return { type: 'delivery-signature', market: MARKET, orderId: orderId.toString(), member: m.address, wrapHash, signature: await signDelivered({ market: MARKET, orderId, wrapHash }, CHAIN_ID, REGISTRY, m.wallet) }
}

const signedSync = await Promise.all([0, 1, 2].map(async (i) => await signed(i, 1n)))

tap.test('one signature per member, ascending for fulfil; closed and lapsed orders refuse more', async (t) => {
  const c = createOrderSignatures({ chainId: CHAIN_ID, registry: REGISTRY, market: MARKET }, isMemberAt)
  c.setHead(10)
  c.track(order(1n, 20))
  for (const i of [3, 0, 2]) c.receive(await signed(i, 1n))
  const second = await signed(3, 1n, `0x${'ee'.repeat(32)}`)
  t.throws(() => c.receive(second), { code: 'DUPLICATE', action: 'ignore' }, 'a member\'s second wrap is not kept')
  const args = c.fulfilArgs(1n)
  t.same(args.signers, [0, 2, 3].map((i) => MEMBERS[i]?.address), 'signers ascending, as DataMarket wants them')
  t.equal(args.wrapHashes.length, 3)
  t.equal(args.signatures.length, 3)
  c.addOwn(1n, MEMBERS[1]?.address as Hex, { wrapHash: `0x${'22'.repeat(32)}`, signature: `0x${'00'.repeat(65)}` })
  t.equal(c.get(1n)?.signatures.size, 4, 'this member\'s own signature is added unchecked')
  c.close(1n)
  await t.rejects(async () => { c.receive(await signed(1, 1n)) }, { code: 'ORDER_CLOSED' })
  t.same(c.open(), [], 'a closed order is not open')
  c.track(order(2n, 20))
  c.setHead(21)
  t.equal(c.size, 0, 'orders past their deadline are forgotten')
  t.equal(c.track(order(3n, 20)), 0)
  t.equal(c.size, 0, 'and one past its deadline is not followed')
})

tap.test('signatures for orders not followed yet are held (bounded) and judged when the order is', async (t) => {
  const c = createOrderSignatures({ chainId: CHAIN_ID, registry: REGISTRY, market: MARKET, maxHeld: 3 }, isMemberAt)
  for (const i of [0, 1]) t.throws(() => c.receive(signedSync[i] as DeliverySignature), { code: 'UNKNOWN_ORDER', action: 'ignore' })
  t.throws(() => c.receive(signedSync[0] as DeliverySignature), { code: 'UNKNOWN_ORDER' }, 'the same one again is held once')
  t.equal(c.held, 2)
  const forged = { ...signedSync[2] as DeliverySignature, wrapHash: `0x${'99'.repeat(32)}` as Hex }
  t.throws(() => c.receive(forged), { code: 'UNKNOWN_ORDER' }, 'a forgery is not judged before its order is known')
  t.equal(c.track(order(1n)), 2, 'the two genuine held signatures count; the forgery is dropped')
  t.equal(c.held, 0)
  for (let id = 10n; id < 20n; id++) t.throws(() => c.receive({ ...signedSync[0] as DeliverySignature, orderId: id.toString() }), { code: 'UNKNOWN_ORDER' })
  t.equal(c.held, 3, 'at most maxHeld are held; the oldest go first')
})

tap.test('at most maxOrders are followed: the oldest is forgotten', async (t) => {
  const c = createOrderSignatures({ chainId: CHAIN_ID, registry: REGISTRY, market: MARKET, maxOrders: 2 }, isMemberAt)
  for (const id of [1n, 2n, 3n]) c.track(order(id))
  t.equal(c.size, 2)
  t.equal(c.get(1n), undefined)
  t.ok(c.get(3n))
  t.throws(() => c.receive({ ...signedSync[0] as DeliverySignature, market: `0x${'4e'.repeat(20)}` }), { code: 'WRONG_MARKET', action: 'reject' })
})

tap.test('turns: rank r has turns r, r+n, ...; the order is keccak(seed ‖ member), different per seed', async (t) => {
  t.same([0, 4999, 5000, 9999, 10_000, 20_000, 25_000].map((ms) => latestTurn(1, 4, ms, 5000)), [undefined, undefined, 1, 1, 1, 1, 5])
  t.equal(latestTurn(0, 4, 0, 5000), 0, 'rank 0 at once')
  t.equal(latestTurn(-1, 4, 10_000, 5000), undefined, 'not ranked')
  t.equal(latestTurn(0, 4, 10_000, 0), undefined, 'a zero turn is refused, not divided by')
  t.equal(latestTurn(0, 4, -1, 5000), undefined)
  const a = turnOrder(`0x${'00'.repeat(31)}01`, members)
  t.same(a.toSorted(), members.toSorted(), 'every member once')
  t.same(turnOrder(`0x${'00'.repeat(31)}01`, members.toReversed()), a, 'the input order does not matter')
  const seeds = Array.from({ length: 16 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}` as Hex)
  t.ok(new Set(seeds.map((s) => turnOrder(s, members)[0])).size > 1, 'the first rank differs across tasks')
})
