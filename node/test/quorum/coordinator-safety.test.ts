import { randomBytes } from 'node:crypto'
import tap from 'tap'
import { jobEndsAt, scanJobId, signScanJob } from '#protocol/index.ts'
import { buildScanJob } from '../../src/quorum/job-factory.ts'
import { BLOCK, CHAIN_ID, memoryCoordinators, passed, REGISTRY, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { quickEngine } from '../fixtures/test-engines.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { Wallet } from 'ethers'

// SPEC section 9: a member checks the bytes and the key a job names before it scans; what does not
// check out is a signed complaint, never a verdict, and f + 1 complaints end the job for good.
const parameters = { revealWindowMs: 1000n, attestWindowMs: 500n }
/**
 * a job that ends in 2 s, for one that fails at once on complaints: no member commits, reveals or attests, so those
 * windows only set the end the test waits for; complaints are taken until 1.5 s (revealDeadline + clockSkewMs)
 */
const ending = { commitWindowMs: 1000n, revealWindowMs: 300n, minRevealWindowMs: 300n, clockSkewMs: 200n, attestWindowMs: 300n }

async function complaintsOf (repos: Repositories, jobId: Hex, count: number): Promise<Array<{ member: Hex, reason: string }> | undefined> {
  const held = (await repos.complaints.listByJob(jobId)).map((c) => ({ member: c.complaint.member, reason: c.complaint.reason }))
  return held.length >= count ? held.toSorted((a, b) => a.member < b.member ? -1 : 1) : undefined
}

tap.test('an origin serving other bytes than its job names gets complaints from every member and no verdict', async (t) => {
  const other = new TextEncoder().encode('other bytes behind the same CID')
  const net = await memoryCoordinators(t, {
    engines: () => [quickEngine()],
    parameters: ending,
    // the bytes behind the job's CID are not the job's sample, for every member that fetches them
    samples: (shared) => ({ ...shared, readSample: async () => other })
  })
  // every member checked this sample in an earlier job and holds its record
  const text = 'a sample the members have seen before'
  const earlier = await net.samples.ingest(sourceOf(text), {})
  const upload = { ...earlier, contentKey: `0x${Buffer.from(earlier.contentKey).toString('hex')}` as Hex, seenAt: 1_700_000_000_000 }
  const before = await Promise.all(net.repos.map(async (repos) => structuredClone(await repos.samples.recordUpload(upload))))

  const { analysisId, sha256 } = await net.coordinator(0).submitFile(sourceOf(text), { filename: 'x.txt' })
  t.equal(sha256, earlier.sha256)
  const everyone = net.addresses.toSorted().map((member) => ({ member, reason: 'CONTENT_MISMATCH' }))
  for (const [i, repos] of net.repos.entries()) {
    const record = await until(`member ${i} ends the job`, async () => {
      const r = await repos.jobs.get(analysisId)
      return r?.status === 'failed' ? r : undefined
    })
    t.equal(record.failure, 'COMPLAINTS', `member ${i}: failed for the complaints`)
    t.same(await until(`member ${i} holds every complaint`, async () => await complaintsOf(repos, analysisId, 4)), everyone, `member ${i}: every member complained`)
  }

  // nothing more happens to the job up to its end: no commitment, no verdict, no report, no retry
  const { job } = (await net.repos[0]?.jobs.get(analysisId))?.job ?? {}
  if (job === undefined) throw new Error('the origin lost its job')
  await passed(jobEndsAt(job, net.bounds))
  for (const [i, repos] of net.repos.entries()) {
    t.same(await repos.commitments.listByJob(analysisId), [], `member ${i}: no commitment`)
    t.same(await repos.verdicts.listByJob(analysisId), [], `member ${i}: no verdict`)
    const record = await repos.jobs.get(analysisId)
    t.match(record, { status: 'failed', failure: 'COMPLAINTS' }, `member ${i}: still failed`)
    t.equal(record?.salt, undefined, `member ${i}: never committed`)
    t.equal(record?.retriedBy, undefined, `member ${i}: not retried`)
    t.equal(net.coordinator(i).liveJob(analysisId)?.state, 'failed')
    t.equal(await repos.reports.getLatestBySha256(sha256), undefined, `member ${i}: no report`)
    t.same(await repos.samples.get(sha256), before[i], `member ${i}: the sample record checked before is unchanged`)
  }
  const jobs = []
  for await (const record of net.repos[0]?.jobs.list() ?? []) jobs.push(record.jobId)
  t.same(jobs, [analysisId], 'the origin made no second job for the sample')
})

tap.test('a member whose key wrap does not open complains UNWRAP_FAILED; the others still make the report', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()], parameters })
  const sample = await net.samples.ingest(sourceOf('wrapped for three members of four'), {})
  const job = buildScanJob(sample, net.members, BLOCK, net.addresses[0] as Hex, { commitMs: 1500, revealMs: 1000 }, Date.now())
  const victim = net.addresses[2] as Hex
  const keyWraps = job.keyWraps.map((w) => w.member === victim ? { ...w, wrappedKey: `0x${randomBytes(60).toString('hex')}` as Hex } : w)
  // member 0 signs a job whose wrap for member 2 is garbage, and it reaches everyone through gossip
  const signed = await signScanJob({ ...job, keyWraps }, CHAIN_ID, REGISTRY, net.wallets[0] as Wallet)
  const jobId = scanJobId(signed.job, CHAIN_ID, REGISTRY)
  const origin = net.bus.join()
  await origin.start()
  t.teardown(async () => { await origin.stop() })
  await origin.publish('jobs', signed)

  for (const [i, repos] of net.repos.entries()) {
    t.same(await until(`member ${i} holds the complaint`, async () => await complaintsOf(repos, jobId, 1)), [{ member: victim, reason: 'UNWRAP_FAILED' }])
    const report = await until(`member ${i}'s report`, async () => await repos.reports.get(jobId))
    t.same(report.absent, [victim], `member ${i}: the member that could not read the sample has no verdict`)
    t.same(report.withheld, [], 'and no commitment')
    t.equal(report.verdicts.length, 3)
  }
  t.match(await net.repos[2]?.jobs.get(jobId), { status: 'reported' }, 'one complaint does not end a job')
  t.equal((await net.repos[2]?.jobs.get(jobId))?.salt, undefined, 'the complaining member never committed')
})
