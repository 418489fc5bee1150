import tap from 'tap'
import { indicatorDigests, indicatorSha256 } from '#protocol/index.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createReputationEvidence } from '../../src/intel/reputation-evidence.ts'
import type { EngineCategory, Hex, ScanJob, SignedScanJob } from '#protocol/messages.ts'
import type { Report, ReportEngineEntry } from '#protocol/report-format.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const STATS = { malicious: 0, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 }

function job (kind: ScanJob['kind'], subject: string): { signed: SignedScanJob, jobId: Hex } {
  const d = kind === 'file' ? { sha256: indicatorSha256(subject), sha1: hex('02', 20), md5: hex('03', 16), size: subject.length } : indicatorDigests(subject)
  const signed: SignedScanJob = {
    type: 'scan-job',
    signature: hex('00', 65),
    job: {
      kind, subject: kind === 'file' ? '' : subject, context: '', ...d, fileType: kind === 'file' ? 'text' : kind, cid: kind === 'file' ? 'bafy' : '',
      membershipBlock: 1, origin: hex('11', 20), createdAt: 1, commitDeadline: 2, revealDeadline: 3, ephemeralPublicKey: hex('00', 32), keyWraps: [],
      submitter: hex('00', 20), submittedAt: 0, submitterSignature: '0x'
    }
  }
  return { signed, jobId: indicatorSha256(`${kind}:${subject}`) }
}

function report (kind: ScanJob['kind'], subject: string, results: Array<[string, EngineCategory, string]>): Report {
  const { signed, jobId } = job(kind, subject)
  const entries = Object.fromEntries(results.map(([engine, category, result]): [string, ReportEngineEntry] =>
    [engine, { engine, engineVersion: '1', engineUpdate: '20261123', category, result, method: 'blacklist', members: [], answered: 1, registered: 1, attested: true }]))
  return { version: 2, members: [], registrations: {}, commitments: [], attestations: [], absent: [], withheld: [], jobId, chainId: 1, registry: hex('22', 20), job: signed, verdicts: [], memberCount: 1, faultDivisor: 3, quorum: 1, results: entries, date: 1, stats: STATS }
}

tap.test('evidence from the node\'s reports: domain detections without the reputation engine itself, the most-detected related file', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  const evidence = createReputationEvidence({ highConfidenceEngines: ['Lists'] }, repos)
  t.equal(await evidence.evidence('unknown.example'), undefined, 'nothing known: unknown, not zero')

  await repos.reports.put(report('domain', 'evil.example', [
    ['Lists', 'malicious', 'phishing'],
    ['Lookalike', 'suspicious', 'lookalike:metamask.io'],
    ['YARA', 'type-unsupported', ''],
    ['VirusMap-Reputation', 'malicious', 'phishing']
  ]))
  const mild = report('file', 'mild sample', [['YARA', 'malicious', 'A'], ['ClamAV', 'undetected', '']])
  const bad = report('file', 'bad sample', [['YARA', 'malicious', 'A'], ['ClamAV', 'malicious', 'B'], ['Heuristics', 'harmless', '']])
  await repos.reports.put(mild)
  await repos.reports.put(bad)
  await repos.indicators.relate(mild.job.job.sha256, [{ kind: 'domain', subject: 'evil.example' }], { now: 1 })
  await repos.indicators.relate(bad.job.job.sha256, [{ kind: 'domain', subject: 'evil.example' }], { now: 2 })
  await repos.indicators.relate(hex('ab', 32), [{ kind: 'domain', subject: 'evil.example' }], { now: 3 })

  t.same(await evidence.evidence('evil.example'), {
    engineDetections: { malicious: 1, suspicious: 1, total: 2 },
    highConfidenceEngineHits: ['Lists'],
    engineLabels: ['phishing', 'lookalike:metamask.io'],
    relatedFiles: { maxMalicious: 2, totalEngines: 3 }
  }, 'type-unsupported engines and our own verdict do not count; a related file without a report is skipped')
})

tap.test('evidence honours its abort signal', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const evidence = createReputationEvidence({}, createRepositories(db))
  await t.rejects(evidence.evidence('evil.example', { signal: AbortSignal.abort() }))
})
