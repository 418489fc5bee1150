import tap from 'tap'
import { indicatorDigests, indicatorSha256 } from '#protocol/index.ts'
import { createRepositories, MAX_SUBMITTERS, openDatabase } from '../../src/db/index.ts'
import type { Hex, IndicatorKind, ScanJob, SignedScanJob } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const STATS = { malicious: 0, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 }

function job (kind: ScanJob['kind'], subject: string, extra: Partial<ScanJob> = {}): SignedScanJob {
  const d = kind === 'file' ? { sha256: indicatorSha256(subject), sha1: hex('02', 20), md5: hex('03', 16), size: subject.length } : indicatorDigests(subject)
  return {
    type: 'scan-job',
    signature: hex('00', 65),
    job: {
      kind, subject: kind === 'file' ? '' : subject, context: '', ...d, fileType: kind === 'file' ? 'text' : kind, cid: kind === 'file' ? 'bafy' : '',
      membershipBlock: 1, origin: hex('11', 20), createdAt: 1, commitDeadline: 2, revealDeadline: 3, ephemeralPublicKey: hex('00', 32), keyWraps: [],
      submitter: hex('00', 20), submittedAt: 0, submitterSignature: '0x', ...extra
    }
  }
}
const report = (signed: SignedScanJob, jobId: Hex, date: number): Report => ({
  version: 2, members: [], registrations: {}, commitments: [], attestations: [], absent: [], withheld: [], jobId, chainId: 1, registry: hex('22', 20), job: signed, verdicts: [], memberCount: 1, faultDivisor: 3, quorum: 1, results: {}, date, stats: STATS
})

tap.test('indicator records: first/last seen, submitters, the latest context', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const { indicators } = createRepositories(db)
  const url = 'http://example.com/Path'
  const a = hex('aa', 20)
  const b = hex('bb', 20)
  t.equal(await indicators.get('url', url), undefined)
  await indicators.recordSubmission({ kind: 'url', subject: url, context: 'first', submitter: a, submittedAt: 100 }, { now: 1000 })
  await indicators.recordSubmission({ kind: 'url', subject: url, context: 'latest', submitter: b, submittedAt: 300 }, { now: 3000 })
  await indicators.recordSubmission({ kind: 'url', subject: url, context: 'late arrival of an older one', submitter: a, submittedAt: 200 }, { now: 2000 })
  t.same(await indicators.get('url', url), {
    kind: 'url', subject: url, sha256: indicatorSha256(url), firstSeen: 1000, lastSeen: 3000, submitters: [b, a], context: 'latest', submittedAt: 300
  })
  t.equal((await indicators.getByHash('url', indicatorSha256(url)))?.subject, url, 'found by its sha256 (the VT URL id) before any report')
  t.equal(await indicators.getByHash('domain', indicatorSha256(url)), undefined, 'by hash, kinds stay apart too')
  t.equal(await indicators.get('url', 'http://example.com/path'), undefined, 'URL paths are case-sensitive: another indicator')
  t.equal(await indicators.get('domain', url), undefined, 'kinds apart')
  await Promise.all(Array.from({ length: MAX_SUBMITTERS + 10 }, async (_, i) => {
    await indicators.recordSubmission({ kind: 'url', subject: url, context: '', submitter: `0x${i.toString(16).padStart(40, '0')}`, submittedAt: 1 }, { now: 4000 })
  }))
  t.equal((await indicators.get('url', url))?.submitters.length, MAX_SUBMITTERS, 'bounded, concurrent writers all counted')
  await t.rejects(indicators.recordSubmission({ kind: 'file', subject: '', context: '', submitter: a, submittedAt: 0 }, { now: 1 }), TypeError)
})

tap.test('relations: indicator -> files and file -> indicators', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const { indicators } = createRepositories(db)
  const f1 = hex('f1', 32)
  const f2 = hex('f2', 32)
  const found: Array<{ kind: IndicatorKind, subject: string }> = [{ kind: 'domain', subject: 'evil.example' }, { kind: 'url', subject: 'http://evil.example/A' }]
  await indicators.relate(f1, found, { now: 1 })
  await indicators.relate(f2, [found[0] as { kind: IndicatorKind, subject: string }], { now: 2 })
  await indicators.relate(f2, [], { now: 3 })
  t.same((await indicators.filesOf('domain', 'evil.example', 10)).toSorted(), [f1, f2])
  t.same(await indicators.filesOf('domain', 'evil.example', 1), [f1], 'limited')
  t.same(await indicators.filesOf('url', 'http://evil.example/a', 10), [], 'case-sensitive subject')
  t.same(await indicators.filesOf('url', 'http://evil.example/A', 10), [f1])
  t.same((await indicators.indicatorsOf(f1, 10)).map((i) => `${i.kind} ${i.subject}`).toSorted(), ['domain evil.example', 'url http://evil.example/A'])
  t.same(await indicators.indicatorsOf(hex('f3', 32), 10), [])
  t.same(await indicators.indicatorsOf(f1, 0), [])
  await indicators.relate(f1, found, { now: 5 })
  t.equal((await indicators.indicatorsOf(f1, 10)).length, 2, 'relating again does not duplicate')
})

tap.test('reports: an indicator and a file with the same sha256 keep apart', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const { reports } = createRepositories(db)
  const subject = 'http://evil.example/'
  const sha256 = indicatorSha256(subject)
  const urlJob = job('url', subject)
  const fileJob = job('file', subject)
  t.equal(fileJob.job.sha256, sha256, 'a file whose bytes are the URL')
  await reports.put(report(urlJob, hex('01', 32), 100))
  t.equal(await reports.getLatestBySha256(sha256), undefined, 'the URL report is not the file\'s')
  t.equal((await reports.getLatestByIndicator('url', sha256))?.jobId, hex('01', 32))
  t.equal(await reports.getLatestByIndicator('domain', sha256), undefined)
  await reports.put(report(fileJob, hex('02', 32), 200))
  t.equal((await reports.getLatestBySha256(sha256))?.jobId, hex('02', 32))
  t.equal((await reports.getLatestByIndicator('url', sha256))?.jobId, hex('01', 32), 'a newer file report leaves the URL\'s alone')
  await reports.put(report(urlJob, hex('03', 32), 300))
  t.equal((await reports.getLatestByIndicator('url', sha256))?.jobId, hex('03', 32))
  await reports.withdraw(hex('03', 32), { code: 'NOT_MEMBER', message: 'x', ancestorBlock: 0, withdrawnAt: 1 })
  t.equal((await reports.getLatestByIndicator('url', sha256))?.jobId, hex('01', 32), 'withdrawn: falls back to the older URL report, not the file\'s')
  t.equal((await reports.getLatestBySha256(sha256))?.jobId, hex('02', 32))
  await reports.withdraw(hex('01', 32), { code: 'NOT_MEMBER', message: 'x', ancestorBlock: 0, withdrawnAt: 1 })
  t.equal(await reports.getLatestByIndicator('url', sha256), undefined)
  t.equal((await reports.getLatestBySha256(sha256))?.jobId, hex('02', 32))
})

tap.test('a URL is recorded under its host once: the domain\'s or IP\'s urls, bounded reads', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const { indicators } = createRepositories(db)
  const submit = async (kind: IndicatorKind, subject: string, now: number): Promise<void> => {
    await indicators.recordSubmission({ kind, subject, context: '', submitter: hex('aa', 20), submittedAt: now }, { now })
  }
  await submit('url', 'https://user:pw@www.example.com.:8443/a', 1)
  await submit('url', 'https://www.example.com/b', 2)
  await submit('url', 'https://www.example.com/b', 3)
  await submit('url', 'http://example.com/', 4)
  await submit('url', 'http://[2001:db8::1]/x', 5)
  await submit('url', 'javascript:alert(1)', 6)
  await submit('domain', 'www.example.com', 7)
  t.same((await indicators.urlsOn('domain', 'www.example.com', 10)).toSorted(), ['https://user:pw@www.example.com.:8443/a', 'https://www.example.com/b'], 'the host as written: not the parent domain\'s, once per URL')
  t.same(await indicators.urlsOn('domain', 'example.com', 10), ['http://example.com/'])
  t.same(await indicators.urlsOn('ip', '2001:db8::1', 10), ['http://[2001:db8::1]/x'])
  t.equal((await indicators.urlsOn('domain', 'www.example.com', 1)).length, 1)
  t.same(await indicators.urlsOn('domain', 'www.example.com', 0), [])
  t.same(await indicators.urlsOn('domain', 'never.example', 10), [])
  await t.rejects(indicators.urlsOn('domain', 'www.example.com', 10, { signal: AbortSignal.abort() }), { name: 'AbortError' })
})
