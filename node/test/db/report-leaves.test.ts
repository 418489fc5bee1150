/**
 * ReportRepository.leavesOf: the anchor leaf of a report read back is the one kept from its put, for
 * that version of the report only; any other version, a withdrawn one or one never put here, gets leafOf's.
 */
import tap from 'tap'
import { leafOf } from '#protocol/anchors.ts'
import { ZERO_ADDRESS } from '#protocol/messages.ts'
import type { Hex, SignedCommitment, SignedScanJob, SignedVerdict } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import { openDatabase, ReportRepository } from '../../src/db/index.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const member = (i: number): Hex => hex(String(i).repeat(2), 20)

/** a report of `jobId` carrying the first `n` members' verdicts, attested by signatures that name its version */
function report (jobId: Hex, n: number, kind: string = 'file'): Report {
  const job: SignedScanJob = {
    type: 'scan-job',
    signature: hex('00', 65),
    job: {
      kind: kind as 'file', subject: '', context: '', sha256: hex('01', 32), sha1: hex('02', 20), md5: hex('03', 16), size: 3, fileType: 'text', cid: 'bafy',
      membershipBlock: 7, origin: hex('11', 20), createdAt: 1, commitDeadline: 2, revealDeadline: 3, ephemeralPublicKey: hex('04', 32), keyWraps: [],
      submitter: ZERO_ADDRESS, submittedAt: 0, submitterSignature: '0x'
    }
  }
  const members = [1, 2, 3, 4].map(member)
  const commitments: SignedCommitment[] = members.map((m, i) => ({ type: 'commitment', signature: hex('00', 65), commitment: { jobId, member: m, commitment: hex(`c${i}`, 32) } }))
  const verdicts: SignedVerdict[] = members.slice(0, n).map((m, i) => ({
    type: 'verdict', salt: hex('05', 32), signature: hex('00', 65),
    verdict: { jobId, member: m, sha256: hex('01', 32), membershipBlock: 7, scannedAt: 100 + i, results: [{ engine: 'yara', engineVersion: '1', engineUpdate: '20261207', category: i === 0 ? 'malicious' : 'undetected', result: '', method: 'blacklist' }] }
  }))
  return {
    version: 2, members, registrations: {}, commitments, attestations: members.map((m) => ({ member: m, signature: hex(String(n).repeat(2), 65) })), absent: [], withheld: [],
    jobId, chainId: 1, registry: hex('22', 20), job, verdicts, memberCount: 4, faultDivisor: 3, quorum: 3, results: {}, date: 100 + n,
    stats: { malicious: 1, suspicious: 0, undetected: n - 1, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 }
  }
}

tap.test('leaves of stored reports', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const reports = new ReportRepository(db)
  const jobId = hex('a1', 32)
  const three = report(jobId, 3)
  await reports.put(three)
  const readBack = await reports.get(jobId) as Report
  t.not(readBack, three, 'the database answers a new object')
  const [kept] = reports.leavesOf([readBack])
  t.same(kept, leafOf(readBack), 'the kept leaf is leafOf\'s')
  t.equal(reports.leavesOf([await reports.get(jobId) as Report])[0], kept, 'and is the one answered for every read of that version')

  // stored again with a fourth verdict: an old read gets its own leaf, a new read the new one
  const four = report(jobId, 4)
  await reports.put(four)
  const [stale] = reports.leavesOf([readBack])
  t.same(stale, leafOf(readBack), 'a read of the earlier version: that version\'s leaf')
  t.not(stale, kept, 'computed again, not the kept one')
  const [fresh] = reports.leavesOf([await reports.get(jobId) as Report])
  t.same(fresh, leafOf(four))
  t.not(JSON.stringify(fresh), JSON.stringify(stale), 'the versions\' leaves differ (a digest over another verdict list)')

  const other = report(hex('b2', 32), 2)
  t.same(reports.leavesOf([other]), [leafOf(other)], 'a report never put: leafOf')

  // withdrawn: the kept leaf goes with it
  await reports.withdraw(jobId, { code: 'NOT_MEMBER', message: 'reorg', ancestorBlock: 1, withdrawnAt: 2 })
  const [afterWithdraw] = reports.leavesOf([four])
  t.same(afterWithdraw, leafOf(four))
  t.not(afterWithdraw, fresh, 'not the kept one')
})

tap.test('a report leafOf refuses is stored, and refused again when its leaf is asked for', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const reports = new ReportRepository(db)
  const odd = report(hex('c3', 32), 3, 'gossip-only')
  t.equal(await reports.put(odd), true)
  t.throws(() => reports.leavesOf([odd]), TypeError)
})
