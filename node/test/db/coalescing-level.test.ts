// The node's LevelDB with puts coalesced: one batch a turn, every write in the order it was made, reads
// that see every put made before them, synced puts taking the waiting ones along, failures reaching
// every put of their batch, and nothing waiting lost at close.
/* oxlint-disable no-underscore-dangle -- the spy wraps abstract-level's storage hook _batch, as the class under test overrides it */
import tap from 'tap'
import { Level } from 'level'
import { coalescingLevel } from '../../src/db/coalescing-level.ts'
import type { Test } from 'tap'

interface BatchCall { operations: Array<{ type: string, key: unknown }>, sync: boolean }
type BatchHook = (this: unknown, operations: BatchCall['operations'], options: { sync?: boolean }) => Promise<void>

/** the binding's batch calls while the test runs; `fail` makes the next one throw */
function spyBatches (t: Test): { calls: BatchCall[], failNext: () => void } {
  const proto = Level.prototype as unknown as { _batch: BatchHook }
  const original = proto._batch
  const calls: BatchCall[] = []
  let fail = false
  proto._batch = async function (operations, options) {
    calls.push({ operations: [...operations], sync: options.sync === true })
    if (fail) { fail = false; throw new Error('disk full') }
    await original.call(this, operations, options)
  }
  t.teardown(() => { proto._batch = original })
  return { calls, failNext: () => { fail = true } }
}

async function open (t: Test, path = t.testdir()): Promise<Level<string, unknown>> {
  const db = coalescingLevel(path)
  await db.open()
  t.teardown(async () => { if (db.status === 'open') await db.close() })
  return db
}

tap.test('the puts of one turn are one batch, and each resolves once it is written', async (t) => {
  const db = await open(t)
  const { calls } = spyBatches(t)
  await Promise.all(Array.from({ length: 50 }, async (_, i) => { await db.put(`k${i}`, { i }) }))
  t.equal(calls.length, 1, 'one call to the binding')
  t.equal(calls[0]?.operations.length, 50)
  t.same(await db.get('k49'), { i: 49 })
  t.same(await db.values({ gte: 'k', lt: 'l' }).all().then((v) => v.length), 50, 'an iterator after the awaited puts sees them all')
})

tap.test('a read sees every put made before it, written or waiting', async (t) => {
  const db = await open(t)
  const put = db.put('a', 1)
  t.equal(await db.get('a'), 1, 'a get in the same turn')
  t.same(await db.getMany(['a', 'b']), [1, undefined])
  t.equal(await db.has('a'), true)
  await put
  void db.put('b', 2)
  t.same(await db.hasMany(['a', 'b']), [true, true])
})

tap.test('writes keep the order they were made in, whatever mix of puts, dels and batches', async (t) => {
  const db = await open(t)
  void db.put('x', 1)
  void db.del('x')
  await db.put('x', 2)
  t.equal(await db.get('x'), 2, 'put, del, put')
  void db.put('y', 1)
  await db.batch([{ type: 'del', key: 'y' }])
  t.equal(await db.get('y'), undefined, 'put, then a batch deleting it')
  void db.put('z', 1)
  await db.clear({ gte: 'z', lte: 'z' })
  t.equal(await db.get('z'), undefined, 'put, then a clear over it')
  // many writers on one key across turns: the last one made wins
  const writes: Array<Promise<void>> = []
  for (let i = 0; i < 300; i++) {
    writes.push(i % 7 === 3 ? db.del('w') : db.put('w', i))
    if (i % 13 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
  await Promise.all(writes)
  t.equal(await db.get('w'), 299)
})

tap.test('a synced put takes the waiting puts along in one synced batch', async (t) => {
  const db = await open(t)
  const { calls } = spyBatches(t)
  const waiting = db.put('a', 1)
  await db.put('salt', 'secret', { sync: true })
  await waiting
  t.equal(calls.length, 1)
  t.same(calls[0]?.operations.map((o) => o.key), ['a', 'salt'])
  t.equal(calls[0]?.sync, true)
})

tap.test('the synced puts of one turn are one synced batch, with the unsynced ones beside them', async (t) => {
  const db = await open(t)
  const { calls } = spyBatches(t)
  await Promise.all([db.put('a', 1, { sync: true }), db.put('b', 2), db.put('c', 3, { sync: true })])
  t.equal(calls.length, 1, 'one fdatasync for the turn, not one per synced put')
  t.same(calls[0]?.operations.map((o) => o.key), ['a', 'b', 'c'])
  t.equal(calls[0]?.sync, true)
  await db.put('d', 4)
  t.equal(calls[1]?.sync, false, 'the next turn\'s batch is synced only if one of its puts asks')
})

tap.test('a batch the disk refuses fails every put in it, and the next ones are written', async (t) => {
  const db = await open(t)
  const { failNext } = spyBatches(t)
  failNext()
  const results = await Promise.allSettled([db.put('a', 1), db.put('b', 2)])
  t.same(results.map((r) => r.status), ['rejected', 'rejected'])
  t.equal(await db.get('a'), undefined, 'a read after the failure does not wait forever')
  await db.put('a', 3)
  t.equal(await db.get('a'), 3)
})

tap.test('close writes what waits', async (t) => {
  const path = t.testdir()
  const db = coalescingLevel(path)
  await db.open()
  const put = db.put('kept', 'yes')
  await db.close()
  await put
  const again = await open(t, path)
  t.equal(await again.get('kept'), 'yes')
})
