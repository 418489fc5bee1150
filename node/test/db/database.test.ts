import tap from 'tap'
import { Level } from 'level'
import { PREFIXES, SCHEMA_VERSION, SCHEMA_VERSION_KEY, dbKey, dbRange, openDatabase } from '../../src/db/index.ts'

tap.test('prefix registry: unique, none a prefix of another, all end with /', async t => {
  const values = Object.values(PREFIXES)
  t.equal(new Set(values).size, values.length)
  for (const a of values) {
    t.ok(a.endsWith('/'), a)
    for (const b of values) if (a !== b) t.notOk(b.startsWith(a), `${a} vs ${b}`)
  }
})

tap.test('keys lowercase hex and ranges stay inside their prefix', async t => {
  t.equal(dbKey(PREFIXES.verdict, '0xAB', '0xCD'), 'verdict/0xab/0xcd')
  const r = dbRange(PREFIXES.verdict, '0xAB')
  t.ok('verdict/0xab/0x01' >= r.gte && 'verdict/0xab/0x01' < r.lt)
  t.notOk('verdict/0xabc/0x01' >= r.gte && 'verdict/0xabc/0x01' < r.lt, 'a longer job id is not in range')
  const all = dbRange(PREFIXES.report)
  t.ok('report/0x1' >= all.gte && 'report/0x1' < all.lt)
  t.notOk('report-sha256/0x1' >= all.gte && 'report-sha256/0x1' < all.lt)
})

tap.test('fresh database gets the schema version; reopening works', async t => {
  const path = t.testdir()
  const db = await openDatabase({ path })
  t.equal(await db.get(SCHEMA_VERSION_KEY), SCHEMA_VERSION)
  await db.close()
  const again = await openDatabase({ path })
  await again.close()
})

tap.test('a schema 1 database is restamped 2 and keeps what it holds (small blocks are new keys)', async t => {
  const path = t.testdir()
  const raw = new Level<string, unknown>(path, { valueEncoding: 'json' })
  await raw.put(SCHEMA_VERSION_KEY, 1)
  await raw.put(dbKey(PREFIXES.job, '0xab'), { status: 'completed' })
  await raw.close()
  const db = await openDatabase({ path })
  t.equal(await db.get(SCHEMA_VERSION_KEY), 2)
  t.same(await db.get(dbKey(PREFIXES.job, '0xab')), { status: 'completed' })
  await db.close()
})

tap.test('refuses a newer schema and an unreadable one, and closes the db', async t => {
  for (const [value, code] of [[SCHEMA_VERSION + 1, 'SCHEMA_TOO_NEW'], ['one', 'SCHEMA_INVALID'], [0, 'SCHEMA_INVALID']] as const) {
    const path = t.testdir()
    const raw = new Level<string, unknown>(path, { valueEncoding: 'json' })
    await raw.put(SCHEMA_VERSION_KEY, value)
    await raw.close()
    await t.rejects(openDatabase({ path }), { code })
    // closed on refusal: the lock is released, so it can be opened again
    const reopened = new Level(path)
    await reopened.open()
    await reopened.close()
  }
})

tap.test('honours an aborted signal', async t => {
  await t.rejects(openDatabase({ path: t.testdir(), signal: AbortSignal.abort() }))
})
