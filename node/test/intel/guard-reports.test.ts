// The member engine rule over wallet guards' reports (issue 15 item 5): distinct signed submitters,
// per-submitter storage, and judgements every member that stored the same reports agrees on.
import tap, { type Test } from 'tap'
import { join } from 'node:path'
import pino from 'pino'
import { Wallet, type Signer } from 'ethers'
import { GuardReportRepository, MAX_GUARD_REPORTERS_PER_SUBJECT, openDatabase, type Database } from '../../src/db/index.ts'
import { countedSubmitters, GUARD_REPORT_LABEL, GUARD_REPORT_WINDOW_MS, judgeGuardReports, type GuardReportJob } from '../../src/intel/guard-reports.ts'
import { createGuardReportsEngine, GUARD_REPORTS_ENGINE_NAME } from '../../src/intel/guard-reports-engine.ts'
import { guardIndicators } from '../../src/guard/guard-indicators.ts'
import { checkIndicatorSubmission, operatorSubmission } from '../../src/quorum/indicator-submission.ts'
import { buildIndicatorJob } from '../../src/quorum/job-factory.ts'
import { scanJob } from '../../src/quorum/member-scan.ts'
import { indicatorSha256 } from '#protocol/indicators.ts'
import { ZERO_ADDRESS, type Hex, type ScanJob } from '#protocol/messages.ts'
import type { Engine, ScanInput } from '../../src/scan/engine.ts'

const T0 = 1_800_000_000_000
const DAY = 86_400_000
const DEPLOYMENT = { chainId: 31337, registry: `0x${'ab'.repeat(20)}` as Hex }
const GUARD_CONTEXT = 'virusmap-guard block: approval-to-eoa'
const addr = (n: number): Hex => `0x${n.toString(16).padStart(40, '0')}`
const job = (submitter: Hex, submittedAt: number, context = GUARD_CONTEXT): GuardReportJob => ({ submitter, submittedAt, createdAt: submittedAt + 1000, context })

tap.test('the pure rule: distinct submitters before the job, within the window', async (t) => {
  const earlier = [{ submitter: addr(1), submittedAt: T0 - 2 * DAY }, { submitter: addr(2), submittedAt: T0 - DAY }]
  t.same(judgeGuardReports(earlier.slice(0, 1), job(addr(3), T0)), { category: 'undetected', result: '' }, 'two submitters are not enough')
  t.same(judgeGuardReports(earlier, job(addr(3), T0)), { category: 'suspicious', result: GUARD_REPORT_LABEL })
  t.equal(judgeGuardReports(earlier, job(addr(2), T0)).category, 'undetected', 'a submitter reporting again counts once')
  t.equal(judgeGuardReports([...earlier, { submitter: addr(9), submittedAt: T0 + 1 }], job(addr(2), T0)).category, 'undetected', 'a report after the job does not count: members that saw it since agree with those that did not')
  t.equal(judgeGuardReports(earlier, job(addr(3), T0 + GUARD_REPORT_WINDOW_MS - DAY)).category, 'undetected', 'the older report fell out of the window')
  t.equal(judgeGuardReports(earlier, job(addr(3), T0, 'looks bad to me')).category, 'undetected', 'a job that is no guard report adds no submitter')
  t.equal(judgeGuardReports([...earlier, { submitter: addr(3), submittedAt: T0 - 10 }], job(addr(4), T0, '')).category, 'suspicious', 'a plain submission after three guard reports is suspicious')
  t.equal(judgeGuardReports(earlier, job(ZERO_ADDRESS, T0)).category, 'undetected', 'an anonymous job is no guard report')
  t.equal(judgeGuardReports(earlier, { ...job(addr(3), 0), createdAt: T0 }).category, 'undetected', 'unsigned (submittedAt 0): judged at its creation, not counted')
  // the same time: ordered by submitter address, so both members order them alike
  const tie = [{ submitter: addr(1), submittedAt: T0 }, { submitter: addr(5), submittedAt: T0 }]
  t.same([...countedSubmitters(tie, job(addr(3), T0))], [addr(1), addr(3)])
  // hostile stored values are skipped, not thrown on
  const hostile = [{ submitter: ZERO_ADDRESS, submittedAt: T0 - 1 }, { submitter: 'nope' as Hex, submittedAt: T0 - 1 }, { submitter: addr(7), submittedAt: Number.NaN }, { submitter: addr(8), submittedAt: 1e300 }, { submitter: `0x${'A'.repeat(40)}` as Hex, submittedAt: T0 - 1 }]
  t.same([...countedSubmitters(hostile, job(addr(3), T0))], [`0x${'a'.repeat(40)}`, addr(3)])
  t.equal(judgeGuardReports(earlier.slice(0, 1), job(addr(3), T0), { quorum: 1 }).category, 'suspicious', 'a quorum under 2 is raised to 2: one submitter never suffices')
  t.equal(judgeGuardReports([], job(addr(3), T0), { quorum: 1 }).category, 'undetected')
})

async function repository (t: Test, name = 'db'): Promise<{ db: Database, repo: GuardReportRepository }> {
  const db = await openDatabase({ path: join(t.testdir(), name) })
  t.teardown(async () => { await db.close() })
  return { db, repo: new GuardReportRepository(db) }
}

tap.test('the repository: one entry per submitter and subject, the earliest in the window, bounded', async (t) => {
  const { repo } = await repository(t)
  const sha = indicatorSha256('drain.example')
  t.ok(await repo.record('domain', sha, { submitter: addr(1), submittedAt: T0 }, GUARD_REPORT_WINDOW_MS))
  t.notOk(await repo.record('domain', sha, { submitter: addr(1), submittedAt: T0 + DAY }, GUARD_REPORT_WINDOW_MS), 'again: the earlier report is kept')
  t.same(await repo.reports('domain', sha), [{ submitter: addr(1), submittedAt: T0 }])
  t.ok(await repo.record('domain', sha, { submitter: addr(1), submittedAt: T0 + GUARD_REPORT_WINDOW_MS + DAY }, GUARD_REPORT_WINDOW_MS), 'once out of the window the new one replaces it')
  t.same(await repo.reports('domain', sha), [{ submitter: addr(1), submittedAt: T0 + GUARD_REPORT_WINDOW_MS + DAY }])
  t.ok(await repo.record('domain', sha, { submitter: addr(2), submittedAt: T0 + GUARD_REPORT_WINDOW_MS }, GUARD_REPORT_WINDOW_MS))
  t.equal((await repo.reports('domain', indicatorSha256('other.example'))).length, 0, 'subjects are apart')
  t.equal((await repo.reports('url', sha)).length, 0, 'kinds are apart')
  t.ok(await repo.record('domain', sha, { submitter: addr(3), submittedAt: T0 + 3 * GUARD_REPORT_WINDOW_MS + 2 * DAY }, GUARD_REPORT_WINDOW_MS))
  t.same((await repo.reports('domain', sha)).map(r => r.submitter), [addr(3)], 'entries two windows older than a new report are dropped')
  // a flood of fresh keys stores no more than the cap; a submitter already stored still updates
  const flood = await Promise.all(Array.from({ length: MAX_GUARD_REPORTERS_PER_SUBJECT + 10 }, async (_, n) => await repo.record('wallet', sha, { submitter: addr(100 + n), submittedAt: T0 + n }, GUARD_REPORT_WINDOW_MS)))
  t.equal(flood.filter(Boolean).length, MAX_GUARD_REPORTERS_PER_SUBJECT)
  t.equal((await repo.reports('wallet', sha)).length, MAX_GUARD_REPORTERS_PER_SUBJECT)
  t.ok(await repo.record('wallet', sha, { submitter: addr(100), submittedAt: T0 + GUARD_REPORT_WINDOW_MS + 1 }, GUARD_REPORT_WINDOW_MS))
})

const input = (subject: string, kind: ScanInput['kind'], jobFacts?: GuardReportJob): ScanInput => ({
  bytes: new TextEncoder().encode(subject), sha256: indicatorSha256(subject), fileType: kind, kind, ...jobFacts !== undefined ? { job: jobFacts } : {}
})

tap.test('the engine: a single sybil never trips it; three distinct signed submitters do', async (t) => {
  const { repo } = await repository(t)
  const engine = createGuardReportsEngine({ reports: repo })
  await t.rejects(engine.scan(input('drain.example', 'domain', job(addr(1), T0))), { code: 'ENGINE_NOT_STARTED' })
  await engine.start()
  t.teardown(() => engine.stop())
  const judge = async (submitter: Hex, at: number, subject = 'drain.example', context = GUARD_CONTEXT): Promise<string> => (await engine.scan(input(subject, 'domain', job(submitter, at, context)))).category
  for (let n = 0; n < 5; n++) t.equal(await judge(addr(1), T0 + n), 'undetected', `one submitter, report ${n + 1}`)
  t.equal(await judge(addr(2), T0 + 10), 'undetected')
  t.equal(await judge(addr(3), T0 + 20), 'suspicious')
  const found = await engine.scan(input('drain.example', 'domain', job(addr(4), T0 + 30, '')))
  t.match(found, { engine: GUARD_REPORTS_ENGINE_NAME, category: 'suspicious', result: GUARD_REPORT_LABEL })
  t.equal(await judge(addr(3), T0 + 20), 'suspicious', 'judging a job again gives the same verdict')
  t.equal(await judge(addr(9), T0 + 40, 'other.example'), 'undetected', 'another subject')
  // what the engine does not judge
  t.equal((await engine.scan(input('drain.example', 'domain'))).category, 'type-unsupported', 'no job: nobody to count')
  t.equal((await engine.scan(input('DRAIN..example', 'domain', job(addr(5), T0)))).category, 'type-unsupported', 'not a canonical subject')
  t.equal((await engine.scan(input('x'.repeat(100_000), 'domain', job(addr(5), T0)))).category, 'type-unsupported', 'oversize')
  t.equal((await engine.scan({ ...input('drain.example', 'domain', job(addr(5), T0)), kind: 'file' })).category, 'type-unsupported', 'a file')
  t.equal(await judge(ZERO_ADDRESS, T0 + 50, 'fresh.example'), 'undetected')
  t.same(await repo.reports('domain', indicatorSha256('fresh.example')), [], 'an anonymous "guard report" stores nothing')
  await t.rejects(engine.scan(input('drain.example', 'domain', job(addr(6), T0)), { signal: AbortSignal.abort() }), { code: 'SCAN_ABORTED' })
})

tap.test('two members that stored the same reports agree, whatever order the reports came in', async (t) => {
  const subject = 'wallet.drain.example'
  const reports = [job(addr(1), T0), job(addr(2), T0 + 5), job(addr(3), T0 + 5), job(addr(4), T0 + 9)]
  const member = async (order: number[]): Promise<Engine> => {
    const { repo } = await repository(t, order.join(''))
    const engine = createGuardReportsEngine({ reports: repo })
    await engine.start()
    t.teardown(() => engine.stop())
    for (const n of order) await engine.scan(input(subject, 'domain', reports[n]))
    return engine
  }
  const a = await member([0, 1, 2, 3])
  const b = await member([3, 2, 1, 0])
  for (const [n, report] of reports.entries()) {
    const [va, vb] = await Promise.all([a.scan(input(subject, 'domain', report)), b.scan(input(subject, 'domain', report))])
    t.equal(va.category, vb.category, `report ${n + 1} judged alike`)
    t.equal(va.category, n >= 2 ? 'suspicious' : 'undetected')
  }
})

tap.test('end to end: a guard\'s block, signed by distinct wallets, checked and scanned as a member scans a job', async (t) => {
  const { repo } = await repository(t)
  const engine = createGuardReportsEngine({ reports: repo })
  await engine.start()
  t.teardown(() => engine.stop())
  const spender = '0x5555555555555555555555555555555555555555'
  const blocked = {
    decision: 'block' as const,
    findings: [{ id: 'approval-to-eoa', level: 'block' as const, message: '', evidence: { spender, token: '0x1111111111111111111111111111111111111111' } }],
    simulation: { status: 'not-applicable' as const },
    request: { method: 'eth_sendTransaction', from: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as const, actions: [] }
  }
  const [indicator] = guardIndicators(blocked, {}, { chainId: 1 })
  t.match(indicator, { kind: 'wallet', subject: `eip155:1:${spender}` })
  if (indicator === undefined) return
  const unused = { get: () => { throw new Error('an indicator job reads no sample') } }
  const scan = async (wallet: Signer, now: number): Promise<string> => {
    const signed = await operatorSubmission(indicator, wallet, DEPLOYMENT, now)
    const checked = checkIndicatorSubmission(signed, { ...DEPLOYMENT, now, clockSkewMs: 0 })
    const scanned: ScanJob = buildIndicatorJob(checked, 1, addr(77), { commitMs: 60_000, revealMs: 60_000 }, now)
    const outcome = await scanJob(scanned, [engine], { self: addr(77), x25519SecretKey: new Uint8Array(32), samples: unused as never, logger: pino({ level: 'silent' }), recordSample: async () => undefined }, { signal: AbortSignal.timeout(10_000) })
    return outcome.kind === 'results' ? outcome.results[0]?.category ?? 'none' : outcome.kind
  }
  const sybil = Wallet.createRandom()
  t.equal(await scan(sybil, T0), 'undetected')
  t.equal(await scan(sybil, T0 + 1000), 'undetected', 'the same wallet again')
  t.equal(await scan(Wallet.createRandom(), T0 + 2000), 'undetected')
  t.equal(await scan(Wallet.createRandom(), T0 + 3000), 'suspicious', 'the third distinct signed submitter')
})
