// The storing order the malicious feed pages by: a report stored late with an old date is still
// served after a cursor, concurrent puts are neither skipped nor repeated, a report stored again
// moves to the end, a withdrawn one leaves, a database from before the order is entered once.
import tap from 'tap'
import { join } from 'node:path'
import { openDatabase, PREFIXES, ReportRepository, type StoredPosition } from '../../src/db/index.ts'
import { createFeedPositions } from '../../src/db/report-feed.ts'
import type { FeedCursor } from '../../src/api/ports/index.ts'
import { createMaliciousFeed } from '../../src/supernode/malicious-feed.ts'
import { ZERO_ADDRESS, type Hex } from '#protocol/messages.ts'
import { type Report } from '#protocol/report-format.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const jobIdOf = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

/** a malicious domain report on `subject` dated `date`; the repository only indexes, it does not verify */
function report (n: number, date: number, malicious = true): Report {
  const sha256 = jobIdOf(1_000_000 + n)
  return {
    version: 2, members: [], registrations: {}, commitments: [], attestations: [], absent: [], withheld: [], jobId: jobIdOf(n), chainId: 1, registry: hex('22', 20),
    job: {
      type: 'scan-job', signature: hex('00', 65),
      job: { kind: 'domain', subject: `d${n}.example`, context: '', sha256, sha1: hex('02', 20), md5: hex('03', 16), size: 3, fileType: 'domain', cid: '', membershipBlock: 1, origin: hex('11', 20), createdAt: 1, commitDeadline: 2, revealDeadline: 3, ephemeralPublicKey: hex('04', 32), keyWraps: [], submitter: ZERO_ADDRESS, submittedAt: 0, submitterSignature: '0x' }
    },
    verdicts: [], memberCount: 0, faultDivisor: 3, quorum: 0, results: {}, date,
    stats: { malicious: malicious ? 3 : 0, suspicious: 0, undetected: malicious ? 0 : 3, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 }
  } as unknown as Report
}

/** every subject the feed serves from the start, page by page, with `between` run between pages until it says it is done */
async function drain (reports: ReportRepository, limit: number, between: (page: number) => Promise<boolean>): Promise<string[]> {
  const feed = createMaliciousFeed(reports, 'node-a')
  const out: string[] = []
  let cursor: FeedCursor | undefined
  let writing = true
  for (let page = 0; page < 1000; page++) {
    // a reader racing the writes, as a mirror would
    const [p] = await Promise.all([feed.since(cursor, limit), writing ? between(page).then(more => { writing = more }) : undefined])
    out.push(...p.subjects.map(s => s.subject))
    cursor = p.next
    if (!writing && !p.more && p.subjects.length === 0) return out
  }
  throw new Error('the feed never ended')
}

tap.test('a report stored late with an older date is served after the cursor that passed its date', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const reports = new ReportRepository(db)
  await reports.put(report(1, 5_000))
  await reports.put(report(2, 6_000))
  const feed = createMaliciousFeed(reports, 'node-a')
  const first = await feed.since(undefined, 10)
  t.same(first.subjects.map(s => s.subject), ['d1.example', 'd2.example'])
  // gossip brought it late: its members scanned before the others'
  await reports.put(report(3, 1_000))
  const second = await feed.since(first.next, 10)
  t.same(second.subjects.map(s => s.subject), ['d3.example'], 'served, though its date is before the cursor\'s')
  t.same((await feed.since(second.next, 10)).subjects, [], 'and once')
  // the report-date order (what hunting reads) is unchanged
  t.same((await reports.since(undefined, 10, () => true)).reports.map(r => r.date), [1_000, 5_000, 6_000])
})

tap.test('pages read while reports are being stored skip none and repeat none', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const reports = new ReportRepository(db)
  let n = 0
  // between pages, bursts of concurrent puts with dates out of order, some not malicious
  const served = await drain(reports, 3, async (page) => {
    await Promise.all(Array.from({ length: 7 }, async () => { const k = ++n; await reports.put(report(k, 10_000 - k * 37 % 500, k % 5 !== 0)) }))
    return page < 20
  })
  t.equal(n, 147)
  const expected = Array.from({ length: n }, (_, i) => i + 1).filter(k => k % 5 !== 0).map(k => `d${k}.example`)
  t.equal(served.length, new Set(served).size, 'no repeats')
  t.same(served.toSorted(), expected.toSorted(), 'no skips')
})

tap.test('the watermark: a reader never passes a position a put is still writing', async (t) => {
  let clock = 100
  const positions = createFeedPositions(0, () => clock)
  const a = positions.next()
  const b = positions.next()
  t.same([a, b], [100, 101], 'strictly increasing within one millisecond')
  positions.done(b)
  t.equal(positions.watermark(), a, 'b is written but a is not: readers stop before a')
  positions.done(a)
  t.equal(positions.watermark(), undefined)
  clock = 50
  t.equal(positions.next(), 102, 'a clock stepping back never reuses a position')
  // through the repository: a put in flight holds readers back until its batch lands
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const reports = new ReportRepository(db)
  await reports.put(report(1, 1))
  const slow = reports.put(report(2, 2))
  const fast = reports.put(report(3, 3))
  const during = await reports.stored(undefined, 10, () => true)
  await Promise.all([slow, fast])
  const all = await reports.stored(undefined, 10, () => true)
  t.same(all.reports.map(r => r.report.jobId).toSorted(), [jobIdOf(1), jobIdOf(2), jobIdOf(3)], 'each once (the two concurrent puts in either order)')
  const seen = during.reports.map(r => r.report.jobId)
  t.same(seen, all.reports.map(r => r.report.jobId).slice(0, seen.length), 'what a reader saw mid-write is a prefix of the final order')
})

tap.test('stored again it moves to the end; withdrawn it leaves; reopened the order continues', async (t) => {
  const path = join(t.testdir(), 'db')
  let db = await openDatabase({ path })
  let reports = new ReportRepository(db)
  for (const k of [1, 2, 3]) await reports.put(report(k, k * 10))
  const positions = async (): Promise<StoredPosition[]> => (await reports.stored(undefined, 100, () => true)).reports.map(({ position, jobId }) => ({ position, jobId }))
  await reports.put({ ...report(1, 40), verdicts: [] })
  t.same((await positions()).map(p => p.jobId), [jobIdOf(2), jobIdOf(3), jobIdOf(1)], 'one entry, at the end')
  await reports.withdraw(jobIdOf(2), { code: 'NOT_MEMBER', message: 'gone', ancestorBlock: 1, withdrawnAt: 1 })
  t.same((await positions()).map(p => p.jobId), [jobIdOf(3), jobIdOf(1)])
  const before = await positions()
  await db.close()
  db = await openDatabase({ path })
  t.teardown(() => db.close())
  reports = new ReportRepository(db)
  await reports.put(report(4, 1))
  const after = await positions()
  t.same(after.slice(0, 2), before)
  t.ok((after[2]?.position ?? 0) > (before[1]?.position ?? 0), 'a position after a restart is past every earlier one')
})

tap.test('a database from before the storing order is entered once, in report-date order', async (t) => {
  const path = join(t.testdir(), 'db')
  const db = await openDatabase({ path })
  t.teardown(() => db.close())
  const old = new ReportRepository(db)
  for (const [k, date] of [[1, 300], [2, 100], [3, 200]] as const) await old.put(report(k, date))
  await old.put({ ...report(2, 400), verdicts: [] })
  // what the database held before this change: no storing order at all
  for await (const key of db.keys({ gte: PREFIXES.reportStored, lt: 'report-stored0' })) await db.del(key)
  for await (const key of db.keys({ gte: PREFIXES.reportStoredAt, lt: 'report-stored-at0' })) await db.del(key)
  const reports = new ReportRepository(db)
  const entered = await reports.stored(undefined, 100, () => true)
  t.same(entered.reports.map(r => [r.report.jobId, r.position]), [[jobIdOf(3), 200], [jobIdOf(1), 300], [jobIdOf(2), 400]], 'each at its latest date, once')
  await reports.put(report(5, 1))
  t.equal((await reports.stored({ position: 400, jobId: jobIdOf(2) }, 100, () => true)).reports[0]?.report.jobId, jobIdOf(5))
})
