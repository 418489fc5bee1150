import tap from 'tap'
import { openDatabase, ReportRepository } from '../../src/db/index.ts'
import { ZERO_ADDRESS } from '#protocol/messages.ts'
import type { Hex, SignedScanJob, SignedVerdict } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const SHA = hex('01', 32)
const OTHER_SHA = hex('02', 32)

function report (jobId: Hex, options: { block: number, date: number, sha256?: Hex, scannedAt?: number[] }): Report {
  const sha256 = options.sha256 ?? SHA
  const job: SignedScanJob = {
    type: 'scan-job',
    signature: hex('00', 65),
    job: {
      kind: 'file', subject: '', context: '', sha256, sha1: hex('02', 20), md5: hex('03', 16), size: 3, fileType: 'text', cid: 'bafy',
      membershipBlock: options.block, origin: hex('11', 20), createdAt: 1, commitDeadline: 2, revealDeadline: 3, ephemeralPublicKey: hex('04', 32), keyWraps: [],
      submitter: ZERO_ADDRESS, submittedAt: 0, submitterSignature: '0x'
    }
  }
  const verdicts: SignedVerdict[] = (options.scannedAt ?? [options.date]).map((at, i) => ({
    type: 'verdict', salt: hex('05', 32), signature: hex('00', 65),
    verdict: { jobId, member: hex(String(i + 1).repeat(2), 20), sha256, membershipBlock: options.block, scannedAt: at, results: [] }
  }))
  return {
    version: 2, members: verdicts.map((v) => v.verdict.member), registrations: {}, commitments: [], attestations: [], absent: [], withheld: [],
    jobId, chainId: 1, registry: hex('22', 20), job, verdicts, memberCount: verdicts.length, faultDivisor: 3, quorum: verdicts.length, results: {}, date: options.date,
    stats: { malicious: 0, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 }
  }
}

const reason = { code: 'NOT_MEMBER', message: 'signer not a member at the job block', ancestorBlock: 9, withdrawnAt: 1234 }

tap.test('withdrawing reports', async (suite) => {
  const db = await openDatabase({ path: suite.testdir() })
  suite.teardown(() => db.close())
  const reports = new ReportRepository(db)
  const older = report(hex('a1', 32), { block: 5, date: 100 })
  // stored twice as reveals came in: dates 200 then 210 (two date entries)
  const latestFirst = report(hex('a2', 32), { block: 10, date: 200, scannedAt: [200] })
  const latest = report(hex('a2', 32), { block: 10, date: 210, scannedAt: [200, 210] })
  const other = report(hex('b1', 32), { block: 12, date: 150, sha256: OTHER_SHA })
  for (const r of [older, latestFirst, latest, other]) await reports.put(r)

  suite.test('reports from a membership block on are listed with their block', async (t) => {
    t.same(await reports.fromBlock(10), [{ jobId: latest.jobId, block: 10 }, { jobId: other.jobId, block: 12 }])
    t.same((await reports.fromBlock(0)).map((r) => r.block), [5, 10, 12])
    t.same(await reports.fromBlock(13), [])
    t.same((await reports.fromBlock(-5)).length, 3, 'a negative block is block 0')
  })

  suite.test('a withdrawn latest report falls back to the older one and leaves every served index', async (t) => {
    t.equal(await reports.latestJobId(SHA), latest.jobId)
    const record = await reports.withdraw(latest.jobId, reason)
    t.same(record, { report: latest, ...reason })
    t.same(await reports.withdrawn(latest.jobId), record, 'the evidence stays inspectable')
    t.equal(await reports.get(latest.jobId), undefined, 'no longer served by job id')
    t.equal(await reports.latestJobId(SHA), older.jobId, 'the sample points back to its older valid report')
    t.same((await reports.getLatestBySha256(SHA))?.jobId, older.jobId)
    t.same((await reports.recent(10)).map((r) => r.jobId), [other.jobId, older.jobId], 'not among recent reports')
    t.same((await reports.fromBlock(0)).map((r) => r.jobId), [older.jobId, other.jobId], 'not audited again')
    const dateKeys: string[] = []
    for await (const key of db.keys({ gte: 'report-date/', lt: 'report-date0' })) dateKeys.push(key)
    t.notOk(dateKeys.some((k) => k.endsWith(latest.jobId)), 'both of its date entries are gone')
    // a fresh repository over the same database reads the same (the latest index is not only cached)
    t.equal(await new ReportRepository(db).latestJobId(SHA), older.jobId)
  })

  suite.test('a withdrawn report is never stored again', async (t) => {
    t.equal(await reports.put(latest), false, 'put refuses it')
    t.equal(await reports.get(latest.jobId), undefined)
    t.equal(await reports.latestJobId(SHA), older.jobId)
    t.equal(await reports.withdraw(latest.jobId, reason), undefined, 'withdrawing it again finds nothing to withdraw')
  })

  suite.test('withdrawing the only report of a sample leaves it without one', async (t) => {
    await reports.withdraw(older.jobId, reason)
    t.equal(await reports.latestJobId(SHA), undefined)
    t.equal(await reports.getLatestBySha256(SHA), undefined)
    t.equal(await reports.latestJobId(OTHER_SHA), other.jobId, 'other samples are untouched')
    t.equal(await reports.withdraw(hex('ff', 32), reason), undefined, 'an unknown job')
  })

  suite.test('a withdrawn report that was not the latest leaves the latest alone', async (t) => {
    const newer = report(hex('b2', 32), { block: 13, date: 300, sha256: OTHER_SHA })
    t.equal(await reports.put(newer), true)
    await reports.withdraw(other.jobId, reason)
    t.equal(await reports.latestJobId(OTHER_SHA), newer.jobId)
  })
})

tap.test('a withdrawal is known from the database to a repository opened later, and to one already reading', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const first = new ReportRepository(db)
  const kept = report(hex('c1', 32), { block: 5, date: 100 })
  const gone = report(hex('c2', 32), { block: 6, date: 110, sha256: OTHER_SHA })
  for (const r of [kept, gone]) await first.put(r)
  t.equal(await first.withdrawn(gone.jobId), undefined, 'nothing withdrawn yet (the ids are read now)')
  const record = await first.withdraw(gone.jobId, reason)
  t.same(await first.withdrawn(gone.jobId), record, 'the repository that withdrew it knows at once')
  t.same(await first.withdrawn(gone.jobId.toUpperCase().replace('0X', '0x') as Hex), record, 'whatever the case of the id')
  t.equal(await first.put(gone), false, 'and stores it no more')
  const later = new ReportRepository(db)
  t.same(await later.withdrawn(gone.jobId), record, 'a repository opened later reads it from the database')
  t.equal(await later.withdrawn(kept.jobId), undefined)
  t.equal(await later.put(gone), false)
  t.equal(await later.put(kept), true)
})
