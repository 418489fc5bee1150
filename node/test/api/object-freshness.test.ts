/**
 * The served objects over the node's own ports and repositories: every repository write that
 * feeds a file or indicator object (a sample's upload with its name and time, a report put or
 * withdrawn, a vote, an indicator submission) shows in the very next GET, through every cache on
 * the way (the repositories', the reports' by job id, the API's serialized bodies).
 */
import tap from 'tap'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { canonicalizeIndicator, indicatorSha256 } from '#protocol/indicators.ts'
import type { Hex, IndicatorKind, SignedScanJob } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import { buildApp } from '../../src/api/server.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createApiPorts } from '../../src/supernode/api-adapters.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const FILE = { sha256: hex('01', 32), sha1: hex('02', 20), md5: hex('03', 16) }
const URL_SUBJECT = canonicalizeIndicator('url', 'http://fresh.example/login')

function job (kind: 'file' | IndicatorKind): SignedScanJob {
  const subject = kind === 'file' ? '' : URL_SUBJECT
  const hashes = kind === 'file' ? FILE : { sha256: indicatorSha256(subject), sha1: hex('00', 20), md5: hex('00', 16) }
  return {
    type: 'scan-job',
    signature: hex('00', 65),
    job: {
      kind, subject, context: '', ...hashes, size: 3, fileType: 'text', cid: 'bafy',
      membershipBlock: 1, origin: hex('11', 20), createdAt: 1, commitDeadline: 2, revealDeadline: 3, ephemeralPublicKey: hex('04', 32), keyWraps: [],
      submitter: hex('00', 20), submittedAt: 0, submitterSignature: '0x'
    }
  }
}

function report (kind: 'file' | IndicatorKind, jobId: Hex, date: number, malicious: number): Report {
  return {
    version: 2, members: [], registrations: {}, commitments: [], attestations: [], absent: [], withheld: [], jobId, chainId: 1, registry: hex('22', 20), job: job(kind), verdicts: [], memberCount: 1, faultDivisor: 3, quorum: 1, results: {}, date,
    stats: { malicious, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, failure: 0, 'type-unsupported': 0 }
  }
}

const REASON = { code: 'MEMBERSHIP_CHANGED', message: 'a reorg', ancestorBlock: 0, withdrawnAt: 1 }

interface Attributes {
  names?: string[]
  last_submission_date?: number
  last_analysis_stats: { malicious: number }
  total_votes: { harmless: number, malicious: number }
  times_submitted?: number
  virusmap?: { job_id?: string, context?: string }
}

tap.test('every write through the repositories shows in the next GET of the object', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(() => db.close())
  const repos = createRepositories(db)
  // only the lookups are asked of these ports: what they need besides the repositories stays out
  const ports = createApiPorts({
    coordinator: {} as never, follower: {} as never, libp2p: {} as never, metrics: { registry: new Registry() } as never,
    repositories: repos, operator: hex('11', 20), chainId: 1, registry: hex('22', 20), requireApiKey: false
  })
  const app = buildApp({ ports, logger: pino({ level: 'silent' }), maxUploadBytes: 1024 })
  t.teardown(() => app.close())
  /** the object by each of `paths`, which must all answer it alike; a second GET comes from the kept body */
  const attributes = async (...paths: string[]): Promise<Attributes> => {
    const bodies = await Promise.all([...paths, ...paths].map(async (p) => (await app.inject(p)).body))
    for (const b of bodies) t.equal(b, bodies[0])
    return (JSON.parse(bodies[0] as string) as { data: { attributes: Attributes } }).data.attributes
  }

  const file = async (): Promise<Attributes> => await attributes(...Object.values(FILE).map((h) => `/api/v3/files/${h.slice(2)}`))
  const upload = { ...FILE, size: 3, fileType: 'text', cid: 'bafy', contentKey: hex('09', 32) }
  await repos.samples.recordUpload({ ...upload, seenAt: 1000, name: 'a.exe' })
  t.match(await file(), { names: ['a.exe'], last_submission_date: 1, total_votes: { harmless: 0, malicious: 0 } })
  t.notOk((await file()).virusmap, 'no report yet')
  await repos.samples.recordUpload({ ...upload, seenAt: 5000, name: 'b.exe' })
  t.match(await file(), { names: ['a.exe', 'b.exe'], last_submission_date: 5 }, 'an upload: a name and a time')
  await repos.reports.put(report('file', hex('aa', 32), 10, 1))
  t.match(await file(), { last_analysis_stats: { malicious: 1 }, virusmap: { job_id: hex('aa', 32) } }, 'a report')
  await repos.reports.put(report('file', hex('bb', 32), 20, 0))
  t.match(await file(), { last_analysis_stats: { malicious: 0 }, virusmap: { job_id: hex('bb', 32) } }, 'a newer report')
  await repos.votes.add({ sha256: FILE.sha256, voter: 'alice', verdict: 'malicious', date: 1 })
  t.match(await file(), { total_votes: { harmless: 0, malicious: 1 } }, 'a vote')
  await repos.reports.withdraw(hex('bb', 32), REASON)
  t.match(await file(), { virusmap: { job_id: hex('aa', 32) } }, 'the latest report withdrawn: the one before')
  await repos.reports.withdraw(hex('aa', 32), REASON)
  t.notOk((await file()).virusmap, 'every report withdrawn')

  const url = async (): Promise<Attributes> => await attributes(`/api/v3/urls/${indicatorSha256(URL_SUBJECT).slice(2)}`, `/api/v3/urls/${Buffer.from(URL_SUBJECT).toString('base64url')}`)
  const submission = { kind: 'url' as const, subject: URL_SUBJECT, context: 'phishing', submitter: hex('aa', 20), submittedAt: 1 }
  await repos.indicators.recordSubmission(submission, { now: 1000 })
  t.match(await url(), { times_submitted: 1, virusmap: { context: 'phishing' } })
  await repos.indicators.recordSubmission({ ...submission, context: 'a bank login page', submitter: hex('bb', 20), submittedAt: 2 }, { now: 2000 })
  t.match(await url(), { times_submitted: 2, virusmap: { context: 'a bank login page' } }, 'a submission')
  await repos.reports.put(report('url', hex('cc', 32), 30, 1))
  t.match(await url(), { last_analysis_stats: { malicious: 1 }, virusmap: { job_id: hex('cc', 32) } }, 'a report')
  await repos.votes.add({ kind: 'url', sha256: indicatorSha256(URL_SUBJECT), voter: 'alice', verdict: 'harmless', date: 1 })
  t.match(await url(), { total_votes: { harmless: 1, malicious: 0 } }, 'a vote')
  await repos.reports.withdraw(hex('cc', 32), REASON)
  t.match(await url(), { last_analysis_stats: { malicious: 0 } }, 'the report withdrawn')
  t.notOk((await url()).virusmap?.job_id)
})
