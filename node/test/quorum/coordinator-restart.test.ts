import tap from 'tap'
import { jobEndsAt, scanJobId, signScanJob, verdictHash } from '#protocol/index.ts'
import { buildScanJob } from '../../src/quorum/job-factory.ts'
import { BLOCK, CHAIN_ID, memoryCoordinators, REGISTRY, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { gate, gatedEngine, quickEngine } from '../fixtures/test-engines.ts'
import type { Hex, SignedScanJob } from '#protocol/messages.ts'
import type { JobRecord } from '../../src/db/job-repository.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { MemoryCoordinators } from '../fixtures/memory-coordinators.ts'
import type { Wallet } from 'ethers'

// SPEC section 10: a node reloads its non-final jobs on start, resumes what it owes, and ends what expired.

async function settled (repos: Repositories, jobId: Hex, status: JobRecord['status']): Promise<JobRecord> {
  return await until(`job ${jobId} ${status}`, async () => {
    const record = await repos.jobs.get(jobId)
    return record?.status === status ? record : undefined
  })
}

tap.test('a member restarted after committing reveals the verdict it committed to, and the report completes', async (t) => {
  // member 2 answers only when the test says, so the others hold their reveals until member 3 is back
  const member2 = gate()
  const net = await memoryCoordinators(t, {
    engines: (i) => i === 2 ? [gatedEngine(quickEngine(), member2.opened)] : [quickEngine()],
    parameters: { commitWindowMs: 10_000n }
  })
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a sample scanned across a restart'), {})
  const repos = net.repos[3] as Repositories
  const committed = await until('member 3 committed, holding the commitments of members 0, 1 and 3', async () => {
    const record = await repos.jobs.get(analysisId)
    return record?.status === 'committed' && (await repos.commitments.listByJob(analysisId)).length === 3 ? record : undefined
  })
  await net.stop(3)
  const restarted = await net.start(3)
  t.equal(restarted.liveJob(analysisId)?.state, 'open', 'the job is reloaded')
  member2.open()

  const member3 = net.addresses[3] as Hex
  for (const [i, r] of net.repos.entries()) {
    const report = await until(`member ${i}'s report`, async () => await r.reports.get(analysisId))
    t.same(report.absent, [], `member ${i}: every member revealed`)
    const revealed = report.verdicts.find((v) => v.verdict.member === member3)?.verdict
    t.equal(revealed === undefined ? undefined : verdictHash(revealed), committed.verdict === undefined ? undefined : verdictHash(committed.verdict),
      `member ${i}: member 3's reveal is the verdict it committed to before the restart`)
  }
  await settled(repos, analysisId, 'reported')
  t.equal(restarted.liveJob(analysisId)?.state, 'final')
})

tap.test('a member restarted holding the reveal of every member that committed attests at once, not at the reveal deadline', async (t) => {
  // member 3 never commits; member 2 goes down after its own reveal, having kept the others' (as intake keeps each
  // on receipt) but not yet attested: a crash between the two. The reveals are all out, none will come again.
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()], online: [0, 1, 2], parameters: { revealWindowMs: 20_000n } })
  const down = net.gossip(2)
  const member2 = net.addresses[2] as Hex
  net.bus.delay = (topic, msg, to) => (to === down && msg.type === 'verdict' && msg.verdict.member !== member2 ? 8000 : undefined)
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a sample one member never commits for'), {})
  const repos = net.repos[2] as Repositories
  await until('member 2 revealed and holds the attestations of members 0 and 1', async () => {
    const record = await repos.jobs.get(analysisId)
    return record?.status === 'revealed' && (await repos.attestations.listByJob(analysisId)).length === 2 ? record : undefined
  })
  await net.stop(2)
  t.equal(await repos.attestations.get(analysisId, member2), undefined, 'member 2 went down before it attested')
  for (const v of await net.repos[0]?.verdicts.listByJob(analysisId) ?? []) await repos.verdicts.put(v)
  const { job } = (await repos.jobs.get(analysisId))?.job ?? {}
  if (job === undefined) throw new Error('member 2 lost the job')

  await net.start(2)
  const report = await until('the origin\'s report', async () => await net.repos[0]?.reports.get(analysisId), jobEndsAt(job, net.bounds) - Date.now())
  t.ok(Date.now() < job.revealDeadline, `final ${Date.now() - job.commitDeadline} ms after the commit deadline, not at the reveal deadline (+20 s)`)
  t.equal(report.verdicts.length, 3, 'with the three reveals there are')
  t.same(report.withheld, [], 'none withheld')
  t.same(report.absent, [net.addresses[3]], 'and the member that never committed named absent')
})

/** a signed file job of `origin`'s for a new sample, created `ago` ms before now */
async function staleJob (net: MemoryCoordinators, origin: number, text: string, ago: number): Promise<{ signed: SignedScanJob, jobId: Hex }> {
  const sample = await net.samples.ingest(sourceOf(text), {})
  const createdAt = Date.now() - ago
  const job = buildScanJob(sample, net.members, BLOCK, net.addresses[origin] as Hex, { commitMs: 1500, revealMs: 3000 }, createdAt)
  // the origin holds what it took: its sample record, from which a retry wraps the key again
  await net.repos[origin]?.samples.recordUpload({ ...sample, contentKey: `0x${Buffer.from(sample.contentKey).toString('hex')}`, seenAt: createdAt })
  return { signed: await signScanJob(job, CHAIN_ID, REGISTRY, net.wallets[origin] as Wallet), jobId: scanJobId(job, CHAIN_ID, REGISTRY) }
}

tap.test('jobs whose end passed while the node was down end failed on restart; its own is retried', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()] })
  const repos = net.repos[3] as Repositories
  await net.stop(3)
  // what member 3 had stored when it went down a minute ago: a job of member 0's and one of its own
  const theirs = await staleJob(net, 0, 'a job of another origin', 60_000)
  const own = await staleJob(net, 3, 'a job member 3 took', 60_000)
  await repos.jobs.add(theirs.jobId, theirs.signed, { now: Date.now() - 60_000 })
  await repos.jobs.add(own.jobId, own.signed, { now: Date.now() - 60_000, patch: { attempt: 1, analysisId: own.jobId } })
  const restarted = await net.start(3)

  t.match(await settled(repos, theirs.jobId, 'failed'), { failure: 'NO_QUORUM' }, 'the other origin\'s job failed, not queued')
  t.equal(restarted.liveJob(theirs.jobId)?.state, 'failed')
  t.equal((await repos.jobs.get(theirs.jobId))?.retriedBy, undefined, 'only its origin retries a job')
  t.match(await settled(repos, own.jobId, 'failed'), { failure: 'NO_QUORUM' }, 'its own job failed too')
  const retry = await until('member 3 retries its job', async () => (await repos.jobs.get(own.jobId))?.retriedBy)
  t.match(await repos.jobs.get(retry), { attempt: 2, analysisId: own.jobId }, 'the retry continues the same analysis')
  for (const [i, r] of net.repos.entries()) {
    const report = await until(`member ${i}'s report of the retry`, async () => await r.reports.get(retry))
    t.equal(report.job.job.sha256, own.signed.job.sha256, `member ${i}: the retry reported the sample`)
  }
})
