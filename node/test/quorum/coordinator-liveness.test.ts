import { setTimeout as sleep } from 'node:timers/promises'
import tap from 'tap'
import { jobEndsAt, verdictHash } from '#protocol/index.ts'
import { MAX_JOB_ATTEMPTS } from '../../src/quorum/job-submission.ts'
import { memoryCoordinators, SHORT_JOB_PARAMETERS, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { abortion, hangingEngine, quickEngine } from '../fixtures/test-engines.ts'
import type { Hex } from '#protocol/messages.ts'
import type { JobRecord } from '../../src/db/job-repository.ts'
import type { Repositories } from '../../src/db/index.ts'

// SPEC section 10: every job ends, in a report or a failure with its reason, within its windows.

async function failed (repos: Repositories, jobId: Hex): Promise<JobRecord> {
  return await until(`job ${jobId} fails`, async () => {
    const record = await repos.jobs.get(jobId)
    return record?.status === 'failed' ? record : undefined
  })
}

const commitWindowOf = (r: JobRecord): number => r.job.job.commitDeadline - r.job.job.createdAt

async function jobIds (repos: Repositories): Promise<Hex[]> {
  const ids: Hex[] = []
  for await (const record of repos.jobs.list()) ids.push(record.jobId)
  return ids.toSorted()
}

tap.test('a job without its quorum fails NO_QUORUM at its end; the origin retries it, at most MAX_JOB_ATTEMPTS jobs in all', async (t) => {
  // members 2 and 3 never answer: two reveals of four, the quorum is three
  const net = await memoryCoordinators(t, {
    engines: () => [quickEngine()],
    online: [0, 1],
    parameters: SHORT_JOB_PARAMETERS
  })
  const [origin, other] = [net.repos[0] as Repositories, net.repos[1] as Repositories]
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a sample only half the network sees'), {})
  const attempts: JobRecord[] = []
  let jobId: Hex | undefined = analysisId
  while (jobId !== undefined) {
    const record = await failed(origin, jobId)
    attempts.push(record)
    t.match(await failed(other, jobId), { failure: 'NO_QUORUM' }, `attempt ${attempts.length} failed on the other member too`)
    if (attempts.length === MAX_JOB_ATTEMPTS) break
    const id: Hex = jobId
    jobId = (await until(`attempt ${attempts.length} is retried`, async () => (await origin.jobs.get(id))?.retriedBy))
  }
  t.same(attempts.map((r) => ({ attempt: r.attempt, analysisId: r.analysisId, failure: r.failure })),
    [1, 2, 3].map((attempt) => ({ attempt, analysisId, failure: 'NO_QUORUM' })), 'every attempt belongs to the analysis the client was given')
  t.same(attempts.map(commitWindowOf), [800, 1200, 1200], 'each retry doubles the commit window, clamped into the bounds')
  t.ok(attempts.every((r, i) => i === 0 || r.job.job.sha256 === attempts[0]?.job.job.sha256), 'the same sample each time')

  // the last attempt is not retried: after a further reveal window there are still three jobs
  await sleep(500)
  t.equal((await origin.jobs.get(attempts[2]?.jobId as Hex))?.retriedBy, undefined, 'no fourth job')
  const ids = attempts.map((r) => r.jobId).toSorted()
  t.same(await jobIds(origin), ids, 'the origin holds the three jobs')
  t.same(await jobIds(other), ids, 'and so does the other member')
  t.equal(net.coordinator(0).jobs.findOpen(attempts[0]?.job.job.sha256 as Hex), undefined, 'nothing is open for the sample')
})

tap.test('an engine that never answers is a timeout in a verdict that still counts', async (t) => {
  const net = await memoryCoordinators(t, { engines: (i) => i === 3 ? [quickEngine(), hangingEngine()] : [quickEngine()] })
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a sample one engine chokes on'), {})
  const slow = net.addresses[3] as Hex
  for (const [i, repos] of net.repos.entries()) {
    const report = await until(`member ${i}'s report`, async () => await repos.reports.get(analysisId))
    t.same(report.absent, [], `member ${i}: every member gave a verdict`)
    const verdict = report.verdicts.find((v) => v.verdict.member === slow)
    t.same(verdict?.verdict.results.map((r) => [r.engine, r.category]), [['Test-Hang', 'timeout'], ['Test-Quick', 'undetected']])
    t.match(report.results['Test-Hang'], { category: 'timeout', answered: 1 })
    t.equal(report.results['Test-Quick']?.category, 'undetected')
  }
  const committed = (await net.repos[3]?.jobs.get(analysisId))?.verdict
  const revealed = (await net.repos[0]?.reports.get(analysisId))?.verdicts.find((v) => v.verdict.member === slow)?.verdict
  t.equal(committed === undefined ? undefined : verdictHash(committed), revealed === undefined ? undefined : verdictHash(revealed), 'the slow member revealed what it committed to')
})

tap.test('a member that cannot fetch the sample within its budget still commits: its engines say timeout', async (t) => {
  const net = await memoryCoordinators(t, {
    engines: () => [quickEngine()],
    // member 3's fetch never completes; it gives up when the scan budget aborts it
    samples: (shared, i) => i === 3 ? { ...shared, readSample: async (_cid, _key, { signal }) => await abortion(signal) } : shared
  })
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a sample member 3 cannot fetch'), {})
  const report = await until('the report', async () => await net.repos[0]?.reports.get(analysisId))
  t.same(report.absent, [], 'every member gave a verdict')
  const verdict = report.verdicts.find((v) => v.verdict.member === net.addresses[3])?.verdict
  t.same(verdict?.results.map((r) => [r.engine, r.category]), [['Test-Quick', 'timeout']])
  t.equal(report.results['Test-Quick']?.category, 'undetected', 'the members that fetched it decide the engine')
})

tap.test('when every member answers quickly, the report is final before the commit deadline', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()], parameters: { commitWindowMs: 20_000n } })
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a sample everyone scans at once'), {})
  const { job } = (await net.repos[0]?.jobs.get(analysisId))?.job ?? {}
  if (job === undefined) throw new Error('the origin lost its job')
  for (const [i, repos] of net.repos.entries()) {
    const report = await until(`member ${i}'s report`, async () => await repos.reports.get(analysisId), job.commitDeadline - Date.now())
    t.ok(Date.now() < job.commitDeadline, `member ${i}: reported before the commit deadline`)
    t.equal(report.verdicts.length, 4, 'with every verdict (all revealed early)')
    t.ok(report.attestations.length >= report.quorum, 'attested by a quorum (all attested early)')
  }
})

tap.test('a node that gets the attestations before a reveal they name assembles the report once the reveal arrives', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()], observers: 1 })
  const [late, observer] = [net.addresses[3] as Hex, net.repos[4] as Repositories]
  // gossip does not order messages across publishers: member 3's reveal reaches the non-member node after the attestations
  net.bus.delay = (topic, msg, to) => msg.type === 'verdict' && msg.verdict.member === late && to === net.gossip(4) ? 1000 : undefined
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a sample whose reveal takes the long way'), {})
  const { job } = await until('the observer has the job', async () => (await observer.jobs.get(analysisId))?.job)
  await until('the observer holds a quorum of attestations', async () => (await observer.attestations.listByJob(analysisId)).length >= 3 ? true : undefined)
  t.equal(await observer.verdicts.get(analysisId, late), undefined, 'member 3\'s reveal has not arrived yet')
  const report = await until('the observer\'s report', async () => await observer.reports.get(analysisId), jobEndsAt(job, net.bounds) - Date.now())
  t.equal(report.verdicts.length, 4, 'the report names member 3\'s reveal')
  t.equal(net.coordinator(4).liveJob(analysisId)?.state, 'final')
})

tap.test('a member that gets the job after the others\' commitments still counts them (held, then validated)', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()] })
  // as when a member has not followed the job's block yet: the job reaches member 3 half a second after everything else
  net.bus.delay = (topic, _msg, to) => topic === 'jobs' && to === net.gossip(3) ? 500 : undefined
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a job that reaches one member late'), {})
  const { job } = await until('member 3 has the job', async () => (await net.repos[3]?.jobs.get(analysisId))?.job)
  const report = await until('member 3\'s report', async () => await net.repos[3]?.reports.get(analysisId), jobEndsAt(job, net.bounds) - Date.now())
  t.equal(report.commitments.length, 4, 'the commitments that came before the job were kept')
  t.equal(net.coordinator(3).liveJob(analysisId)?.state, 'final')
})

tap.test('with a member absent, members attest once every member that committed has revealed, not at the reveal deadline', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()], online: [0, 1, 2], parameters: { revealWindowMs: 20_000n } })
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a sample one member never answers for'), {})
  const { job } = (await net.repos[0]?.jobs.get(analysisId))?.job ?? {}
  if (job === undefined) throw new Error('the origin lost its job')
  const report = await until('the origin\'s report', async () => await net.repos[0]?.reports.get(analysisId), jobEndsAt(job, net.bounds) - Date.now())
  t.ok(Date.now() < job.revealDeadline, 'final well before the reveal deadline')
  t.equal(report.verdicts.length, 3, 'with the three reveals there are')
  t.same(report.absent, [net.addresses[3]], 'and the absent member named')
})
