/**
 * The delivery service's reading state (SPEC 18) survives a restart: the next block and the orders
 * waiting for their sample, uint256 order ids and prices intact, kept apart per market; an order both
 * added and dropped in one write is dropped.
 */
import tap from 'tap'
import { openDatabase } from '../../src/db/index.ts'
import { DeliveryRepository } from '../../src/db/delivery-repository.ts'
import type { OrderedEvent } from '#protocol/delivered.ts'
import type { Hex } from '#protocol/messages.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const MARKET = hex('4d', 20)
const order = (orderId: bigint): OrderedEvent => ({ orderId, buyer: hex('0b', 20), product: hex('73', 32), subject: hex('ab', 32), buyerX25519Key: hex('22', 32), price: 2n ** 200n + 7n, deadline: 90, block: 12 })

tap.test('the cursor and the waiting orders are there after the database is reopened', async (t) => {
  const path = t.testdir()
  const first = await openDatabase({ path })
  const before = new DeliveryRepository(first)
  t.equal(await before.cursor(MARKET), undefined, 'nothing read yet')
  const big = 2n ** 255n + 1n
  await before.advance(MARKET, { next: 40, wait: [order(3n), order(big), order(10n)] })
  await before.advance(MARKET, { wait: [order(11n)], done: [10n, 11n] })
  await before.advance(hex('4e', 20), { next: 7, wait: [order(5n)] })
  await first.close()

  const db = await openDatabase({ path })
  t.teardown(async () => { await db.close() })
  const after = new DeliveryRepository(db)
  t.equal(await after.cursor(MARKET), 40, 'a write without `next` leaves the cursor')
  t.same(await after.waiting(MARKET), [order(3n), order(big)], 'by order id; 10 dropped, 11 added and dropped at once')
  t.equal(await after.cursor(hex('4E', 20)), 7, 'per market, in any hex case')
  t.same((await after.waiting(hex('4e', 20))).map((o) => o.orderId), [5n])
  await after.advance(MARKET, {})
  t.equal(await after.cursor(MARKET), 40, 'an empty write changes nothing')
})
