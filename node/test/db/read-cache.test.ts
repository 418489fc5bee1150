import tap from 'tap'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import type { Hex, SignedScanJob } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const job: SignedScanJob = {
  type: 'scan-job',
  signature: hex('00', 65),
  job: {
    kind: 'file', subject: '', context: '', sha256: hex('01', 32), sha1: hex('02', 20), md5: hex('03', 16), size: 3, fileType: 'text', cid: 'bafy',
    membershipBlock: 1, origin: hex('11', 20), createdAt: 1, commitDeadline: 2, revealDeadline: 3, ephemeralPublicKey: hex('04', 32), keyWraps: [],
    submitter: hex('00', 20), submittedAt: 0, submitterSignature: '0x'
  }
}
const report = (jobId: Hex, date: number): Report => ({
  version: 2, members: [], registrations: {}, commitments: [], attestations: [], absent: [], withheld: [], jobId, chainId: 1, registry: hex('22', 20), job, verdicts: [], memberCount: 1, faultDivisor: 3, quorum: 1, results: {}, date,
  stats: { malicious: 0, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 }
})

tap.test('cached reads see every write made through the repositories', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  const upload = { sha256: job.job.sha256, sha1: job.job.sha1, md5: job.job.md5, size: 3, fileType: 'text', cid: 'bafy', contentKey: hex('09', 32) }
  await repos.samples.recordUpload({ ...upload, seenAt: 1000, name: 'a' })
  t.equal((await repos.samples.find(job.job.md5))?.lastSeen, 1000, 'first read fills the cache')
  await repos.samples.recordUpload({ ...upload, seenAt: 2000, name: 'b' })
  for (const h of [job.job.sha256, job.job.sha1, job.job.md5, job.job.sha256.slice(2).toUpperCase(), job.job.md5.toUpperCase()]) {
    const s = await repos.samples.find(h)
    t.equal(s?.lastSeen, 2000, `a later upload is seen by ${h.length} hex lookup`)
    t.same(s?.names, ['a', 'b'])
  }

  t.equal(await repos.reports.latestJobId(job.job.sha256), undefined)
  await repos.reports.put(report(hex('aa', 32), 10))
  t.equal(await repos.reports.latestJobId(job.job.sha256), hex('aa', 32))
  await repos.reports.put(report(hex('bb', 32), 20))
  t.equal((await repos.reports.getLatestBySha256(job.job.sha256))?.jobId, hex('bb', 32), 'a newer report replaces the cached latest')
  await repos.reports.put(report(hex('cc', 32), 5))
  t.equal(await repos.reports.latestJobId(job.job.sha256), hex('bb', 32), 'an older one does not')
  t.same((await repos.reports.recent(10)).map((r) => r.jobId), [hex('bb', 32), hex('aa', 32), hex('cc', 32)], 'recent: newest first')

  await repos.samples.recordUpload({ ...upload, seenAt: 3000, name: 'c' })
  for (const h of [job.job.sha256, job.job.sha1, job.job.md5, job.job.sha256.slice(2).toUpperCase()]) {
    t.equal((await repos.samples.find(h))?.lastSeen, 3000, `a spelling looked up before sees the later upload (${h.slice(0, 6)})`)
  }
  t.equal(await repos.samples.find('0x' + 'ff'.repeat(32)), undefined, 'an unknown hash')
  t.equal(await repos.samples.find('zz'), undefined, 'not hex')
  // a fresh set of repositories over the same database reads what the first wrote
  const again = createRepositories(db)
  t.equal((await again.samples.find(job.job.sha1))?.lastSeen, 3000)
  t.equal(await again.reports.latestJobId(job.job.sha256), hex('bb', 32))
})

tap.test('job records: cached reads see every add and update, whatever the id\'s spelling; a failed write changes nothing', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  const id = hex('Ab', 32)
  t.equal(await repos.jobs.get(id), undefined, 'an unknown job')
  await repos.jobs.add(id, job, { now: 1 })
  t.equal((await repos.jobs.get(id.toLowerCase() as Hex))?.status, 'received')
  const committed = await repos.jobs.update(id, { status: 'committed', salt: hex('06', 32) }, { now: 2 })
  const read = await repos.jobs.get(id)
  t.equal(read, committed, 'the record just written, from the cache')
  t.same([read?.status, read?.salt, read?.updatedAt], ['committed', hex('06', 32), 2])
  t.ok(Object.isFrozen(read), 'shared records are frozen: an update makes a new one')
  t.throws(() => { (read as { status: string }).status = 'failed' }, TypeError)
  t.equal((await createRepositories(db).jobs.get(id))?.status, 'committed', 'the database holds what the cache says')

  // a write the database refuses leaves the cached record as it was
  const reopened = await openDatabase({ path: t.testdir() + '-2' })
  const other = createRepositories(reopened)
  await other.jobs.add(id, job, { now: 1 })
  t.equal((await other.jobs.get(id))?.status, 'received')
  await reopened.close()
  await t.rejects(other.jobs.update(id, { status: 'revealed' }, { now: 3 }))
  t.equal((await other.jobs.get(id))?.status, 'received', 'not the status of the failed write')
})
