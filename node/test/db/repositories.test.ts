import tap from 'tap'
import { createRepositories, openDatabase, MAX_SAMPLE_NAMES } from '../../src/db/index.ts'
import type { Hex, SignedCommitment, SignedScanJob, SignedVerdict } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { Evidence } from '../../src/db/index.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const JOB = hex('aa', 32)
const M1 = hex('11', 20)
const M2 = hex('22', 20)

const job: SignedScanJob = {
  type: 'scan-job',
  signature: hex('00', 65),
  job: {
    kind: 'file', subject: '', context: '', sha256: hex('01', 32), sha1: hex('02', 20), md5: hex('03', 16), size: 3, fileType: 'text', cid: 'bafy',
    membershipBlock: 1, origin: M1, createdAt: 1, commitDeadline: 2, revealDeadline: 3, ephemeralPublicKey: hex('04', 32), keyWraps: [],
    submitter: hex('00', 20), submittedAt: 0, submitterSignature: '0x'
  }
}
const commitment = (member: Hex, c: string): SignedCommitment => ({ type: 'commitment', commitment: { jobId: JOB, member, commitment: hex(c, 32) }, signature: hex('00', 65) })
const verdict = (member: Hex, at: number): SignedVerdict => ({
  type: 'verdict', salt: hex('05', 32), signature: hex('00', 65),
  verdict: { jobId: JOB, member, sha256: job.job.sha256, membershipBlock: 1, scannedAt: at, results: [] }
})
const report = (jobId: Hex, date: number): Report => ({
  version: 2, members: [], registrations: {}, commitments: [], attestations: [], absent: [], withheld: [], jobId, chainId: 1, registry: M2, job, verdicts: [], memberCount: 1, faultDivisor: 3, quorum: 1, results: {}, date,
  stats: { malicious: 0, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 }
})

tap.test('repositories', async suite => {
  const db = await openDatabase({ path: suite.testdir() })
  suite.teardown(() => db.close())
  const repos = createRepositories(db)

  suite.test('samples: record, merge names and times, find by any hash', async t => {
    const upload = { sha256: hex('AB', 32), sha1: hex('cd', 20), md5: hex('ef', 16), size: 10, fileType: 'text', cid: 'bafyx', contentKey: hex('99', 32) }
    const first = await repos.samples.recordUpload({ ...upload, name: 'a.exe', seenAt: 100 })
    t.equal(first.sha256, hex('ab', 32), 'lowercased')
    t.same(first.names, ['a.exe'])
    await Promise.all([
      repos.samples.recordUpload({ ...upload, name: 'b.exe', seenAt: 300 }),
      repos.samples.recordUpload({ ...upload, name: 'c.exe', seenAt: 50 })
    ])
    const got = await repos.samples.get(hex('ab', 32))
    t.same(got?.names.toSorted(), ['a.exe', 'b.exe', 'c.exe'], 'concurrent uploads keep every name')
    t.equal(got?.firstSeen, 50)
    t.equal(got?.lastSeen, 300)
    t.equal((await repos.samples.find(hex('cd', 20)))?.sha256, hex('ab', 32))
    t.equal((await repos.samples.find('EF'.repeat(16)))?.sha256, hex('ab', 32))
    t.equal((await repos.samples.find('ab'.repeat(32)))?.size, 10)
    for (const bad of ['', 'zz', '0x', 'ab'.repeat(33), '../etc', hex('00', 32)]) t.equal(await repos.samples.find(bad), undefined, `find(${bad})`)
    for (let i = 0; i < MAX_SAMPLE_NAMES + 5; i++) await repos.samples.recordUpload({ ...upload, name: `n${i}`, seenAt: 400 })
    await repos.samples.recordUpload({ ...upload, name: 'x'.repeat(1000), seenAt: 400 })
    t.equal((await repos.samples.get(hex('ab', 32)))?.names.length, MAX_SAMPLE_NAMES, 'names are bounded')
  })

  suite.test('jobs: add keeps the first, update status and salt, list by status', async t => {
    const added = await repos.jobs.add(JOB, job, { now: 1 })
    t.equal(added.status, 'received')
    await repos.jobs.update(JOB, { salt: hex('06', 32) }, { now: 2 })
    await repos.jobs.update(JOB, { status: 'committed' }, { now: 3 })
    const again = await repos.jobs.add(JOB, job, { now: 4 })
    t.equal(again.status, 'committed')
    t.equal(again.salt, hex('06', 32))
    await repos.jobs.add(hex('bb', 32), job, { now: 5 })
    const committed = []
    for await (const r of repos.jobs.list({ status: 'committed' })) committed.push(r.jobId)
    t.same(committed, [JOB])
    await t.rejects(repos.jobs.update(hex('cc', 32), { status: 'expired' }, { now: 6 }), RangeError)
  })

  suite.test('commitments and verdicts by job and member', async t => {
    await repos.commitments.put(commitment(M2, '07'))
    await repos.commitments.put(commitment(M1, '08'))
    await repos.commitments.put({ ...commitment(M1, '09'), commitment: { jobId: hex('ab', 32), member: M1, commitment: hex('09', 32) } })
    t.equal((await repos.commitments.get(JOB, M1))?.commitment.commitment, hex('08', 32))
    t.same((await repos.commitments.listByJob(JOB)).map(c => c.commitment.member), [M1, M2], 'sorted by member, other jobs excluded')
    await repos.verdicts.put(verdict(M1, 10), { sync: true })
    t.equal((await repos.verdicts.get(JOB, M1))?.verdict.scannedAt, 10)
    t.equal((await repos.verdicts.listByJob(JOB)).length, 1)
    t.equal(await repos.verdicts.get(JOB, M2), undefined)
  })

  suite.test('reports: by job and latest by sha256', async t => {
    await repos.reports.put(report(hex('c1', 32), 200))
    await repos.reports.put(report(hex('c2', 32), 100))
    t.equal((await repos.reports.getLatestBySha256(job.job.sha256))?.jobId, hex('c1', 32), 'older report does not replace newer')
    await repos.reports.put(report(hex('c3', 32), 300))
    t.equal((await repos.reports.getLatestBySha256(job.job.sha256))?.jobId, hex('c3', 32))
    t.equal((await repos.reports.get(hex('c2', 32)))?.date, 100)
    t.equal(await repos.reports.getLatestBySha256(hex('77', 32)), undefined)
  })

  suite.test('evidence keeps the first conflicting pair', async t => {
    const e: Evidence = { kind: 'commitment', member: M1, jobId: JOB, first: commitment(M1, '08'), second: commitment(M1, '0a'), recordedAt: 1 }
    t.equal(await repos.evidence.add(e), true)
    t.equal(await repos.evidence.add({ ...e, recordedAt: 2 }), false)
    t.equal(await repos.evidence.add({ kind: 'verdict', member: M1, jobId: JOB, first: verdict(M1, 1), second: verdict(M1, 2), recordedAt: 3 }), true)
    t.equal((await repos.evidence.listByMember(M1)).length, 2)
    t.same(await repos.evidence.listByMember(M2), [])
    t.same(await repos.evidence.members(10), [M1.toLowerCase()], 'members with evidence, once each')
  })
})
