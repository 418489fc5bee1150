/**
 * The origin's rescan (SPEC sections 10 and 17): a signed file whose report the members' engine timeouts
 * left unconfirmed is scanned once more, under the same wallet's signature, and the reward function pays
 * the first submitter from the rescan's confirmation. Reports without timeouts, unsigned files and a
 * rescan's own report are not rescanned.
 */
import { createHash } from 'node:crypto'
import tap from 'tap'
import type { Test } from 'tap'
import { Wallet } from 'ethers'
import { classify, computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, rewardFactsOf, signSubmission } from '#protocol/index.ts'
import type { FileSubmission, Hex, Report } from '#protocol/index.ts'
import { CHAIN_ID, memoryCoordinators, REGISTRY, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { detectingEngine, gate, gatedEngine, hangingEngine, quickEngine } from '../fixtures/test-engines.ts'
import { needsRescan } from '../../src/quorum/rescan-check.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { MemoryCoordinators } from '../fixtures/memory-coordinators.ts'

/**
 * The fixture's commit window and clock skew: a 500 ms scan budget, which the gated and hanging engines use
 * up, then 1 s to commit (the tests whose engines must all answer in time widen it; at 750 ms, beside two busy
 * loops, a job's commitments missed it). Short reveal and attestation windows: members reveal and attest as
 * soon as all have, so these mostly set when a job ends (jobEndsAt, 3.1 s), which is when its origin publishes
 * the rescan it owes.
 */
const parameters = { commitWindowMs: 1500n, revealWindowMs: 300n, minRevealWindowMs: 300n, clockSkewMs: 500n, attestWindowMs: 300n }

const sha = (text: string): Hex => `0x${createHash('sha256').update(text).digest('hex')}`
const finder = new Wallet(`0x${'07'.repeat(32)}`)

async function submission (text: string): Promise<FileSubmission> {
  const submittedAt = Date.now()
  const signature = await signSubmission({ kind: 'file', sha256: sha(text), context: 'honeypot', submittedAt }, CHAIN_ID, REGISTRY, finder)
  return { sha256: sha(text), context: 'honeypot', submitter: finder.address.toLowerCase() as Hex, submittedAt, signature }
}

/** the sample's reports this member holds: the first job's and, once it exists, the newest other one */
async function reportsOf (repos: Repositories, sha256: Hex, firstJob: Hex): Promise<Report[]> {
  const first = await repos.reports.get(firstJob)
  const latest = await repos.reports.getLatestBySha256(sha256)
  return [first, latest].filter((r, i, all): r is Report => r !== undefined && all.findIndex(o => o?.jobId === r.jobId) === i)
}

/**
 * whether the origin, on finalizing the job, decided it owes a rescan: it schedules one at the job's end only
 * then (coordinator.ts), so `false` is known at once, without waiting for that end
 */
const owesRescan = (net: MemoryCoordinators, jobId: Hex): boolean | undefined => {
  const live = net.coordinator(0).liveJob(jobId)
  return live === undefined ? undefined : live.rescannable === true && live.rescanOf === undefined
}

// a YARA-like engine starved of CPU on every member until `fed` (it times out, or is never started in the budget); the heuristics answer at once
const engines = (fed: Promise<void>) => (): ReturnType<typeof quickEngine>[] =>
  [detectingEngine('Test-Heuristics', 'heur.powershell.download'), gatedEngine(detectingEngine('Test-Yara', 'ps.downloader'), fed)]

tap.test('a signed file whose report engine timeouts left unconfirmed is rescanned once, and the first submitter is paid', async (t) => {
  const load = gate()
  const net = await memoryCoordinators(t, { engines: engines(load.opened), parameters })
  const text = 'a PowerShell downloader scanned on a loaded machine'
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf(text), { submission: await submission(text) })
  const first = await until('the first report', async () => await net.repos[0]?.reports.get(analysisId))
  // every member's scan of the first job has ended (its budget is over); the rescan's scans get the CPU
  load.open()
  t.match(first.results['Test-Yara'], { category: 'timeout' })
  const firstFacts = rewardFactsOf(first, 0)
  t.equal(classify(firstFacts, DEFAULT_REWARD_PARAMS), 'none', 'one malicious engine: not confirmed')

  for (const [i, repos] of net.repos.entries()) {
    const both = await until(`member ${i}: the rescan's report`, async () => { const l = await reportsOf(repos, sha(text), analysisId); return l.length >= 2 ? l : undefined })
    const rescan = both[1] as Report
    t.not(rescan.job.job.createdAt, first.job.job.createdAt)
    t.equal(rescan.job.job.submitter, finder.address.toLowerCase(), `member ${i}: the rescan names the same wallet`)
    t.equal(rescan.job.job.origin, net.addresses[0], 'published by the origin')
    t.equal(rescan.results['Test-Yara']?.category, 'malicious')
  }
  const rescan = (await reportsOf(net.repos[0] as Repositories, sha(text), analysisId))[1] as Report
  t.equal((await net.repos[0]?.jobs.get(rescan.jobId))?.rescanOf, analysisId, 'the origin recorded what it rescanned')
  const r = computeEpochRewards({ epoch: 0, facts: [firstFacts, rewardFactsOf(rescan, 0)], state: INITIAL_REWARDS_STATE, params: { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionFee: 0n, submissionDeposit: 0n } })
  t.same(r.items.map(i => [i.jobId, i.outcome, i.class]), [[firstFacts.jobId, 'paid', 'malicious'], [rewardFactsOf(rescan, 0).jobId, 'not-first', 'malicious']])
  t.equal(r.amounts.get(finder.address.toLowerCase() as Hex), DEFAULT_REWARD_PARAMS.baseReward, 'the first submitter earns the base reward')

  t.equal(owesRescan(net, rescan.jobId), false, 'a rescan is not rescanned')
  t.equal((await reportsOf(net.repos[0] as Repositories, sha(text), analysisId)).length, 2)
})

/** the report of one submission on a fresh network, whether its origin owes a rescan, and how many reports of the sample it holds */
async function settle (t: Test, engineSet: () => ReturnType<typeof quickEngine>[], text: string, signed: boolean, windows = parameters): Promise<{ report: Report, owes: boolean | undefined, count: number }> {
  const net = await memoryCoordinators(t, { engines: engineSet, parameters: windows })
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf(text), signed ? { submission: await submission(text) } : {})
  const report = await until('the report', async () => await net.repos[0]?.reports.get(analysisId))
  const owes = owesRescan(net, analysisId)
  t.equal((await net.repos[0]?.jobs.get(analysisId))?.rescannedBy, undefined, 'no rescan was published')
  return { report, owes, count: (await reportsOf(net.repos[0] as Repositories, sha(text), analysisId)).length }
}

tap.test('no rescan of an unsigned file: it earns nothing either way', async (t) => {
  const { report, owes, count } = await settle(t, engines(gate().opened), 'an unsigned upload that timed out', false)
  t.match(report.results['Test-Yara'], { category: 'timeout' })
  t.equal(owes, false)
  t.equal(count, 1)
})

tap.test('no rescan of a signed file scanned in time', async (t) => {
  // no engine waits for the budget's end, so a long one costs nothing: the engines that answer at once answer in it at any load
  const { report, owes, count } = await settle(t, () => [quickEngine(), quickEngine('Test-Other')], 'a signed benign file scanned in time', true, { ...parameters, commitWindowMs: 5000n })
  t.equal(report.results['Test-Other']?.category, 'undetected')
  t.equal(owes, false)
  t.equal(count, 1)
})

tap.test('no rescan of a report two engines confirmed despite a timeout', async (t) => {
  // a 1.5 s scan budget: A and B answer in it beside two busy loops (at 500 ms they did not), and C's timeout ends it
  const { report, owes, count } = await settle(t, () => [detectingEngine('Test-A'), detectingEngine('Test-B'), hangingEngine('Test-C')], 'a signed file caught despite a timeout', true, { ...parameters, commitWindowMs: 2500n })
  t.match(report.results['Test-C'], { category: 'timeout' })
  t.equal(classify(rewardFactsOf(report, 0), DEFAULT_REWARD_PARAMS), 'malicious')
  t.equal(owes, false)
  t.equal(count, 1)
})

tap.test('a rescan that times out again is not rescanned, and members refuse a third job under the submission', async (t) => {
  // the rescan's commit window is not doubled (capped at the first's): its budget, which the hanging engine uses up, is 500 ms, not 2 s
  const net = await memoryCoordinators(t, { engines: () => [detectingEngine('Test-Heuristics'), hangingEngine('Test-Yara')], parameters: { ...parameters, maxCommitWindowMs: parameters.commitWindowMs } })
  const text = 'a sample whose scanner never answers'
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf(text), { submission: await submission(text) })
  const rescanId = await until('the rescan', async () => (await net.repos[0]?.jobs.get(analysisId))?.rescannedBy)
  const rescan = await until('the rescan\'s report', async () => await net.repos[0]?.reports.get(rescanId))
  t.match(rescan.results['Test-Yara'], { category: 'timeout' })
  t.equal(needsRescan(rescan), true, 'still unconfirmed by timeouts')
  t.equal(owesRescan(net, rescanId), false, 'not rescanned again')
  t.equal((await net.repos[0]?.jobs.get(rescanId))?.rescannedBy, undefined)
  t.equal((await net.repos[0]?.reports.getLatestBySha256(sha(text)))?.jobId, rescanId)
})

tap.test('an origin restarted between the unconfirmed report and the job\'s end still publishes the rescan it owes; a restarted member takes it', async (t) => {
  const load = gate()
  const net = await memoryCoordinators(t, { engines: engines(load.opened), parameters })
  const text = 'a PowerShell downloader whose origin restarts'
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf(text), { submission: await submission(text) })
  const first = await until('the origin stored the first report', async () => (await net.repos[0]?.jobs.get(analysisId))?.status === 'reported' ? await net.repos[0]?.reports.get(analysisId) : undefined)
  t.equal(needsRescan(first), true, 'engine timeouts left it unconfirmed')
  await until('member 1 stored the first report', async () => (await net.repos[1]?.jobs.get(analysisId))?.status === 'reported' ? true : undefined)
  // down before the job's end, when it would have published the rescan; member 1 restarts beside it
  for (const i of [0, 1]) await net.stop(i)
  t.equal((await net.repos[0]?.jobs.get(analysisId))?.rescannedBy, undefined, 'no rescan published before the restart')
  load.open()
  const restarted = await net.start(0)
  const member = await net.start(1)
  const rescanId = await until('the restarted origin published the rescan', async () => (await net.repos[0]?.jobs.get(analysisId))?.rescannedBy)
  for (const [i, repos] of net.repos.entries()) {
    const rescan = await until(`member ${i}: the rescan's report`, async () => await repos.reports.get(rescanId))
    t.equal(rescan.results['Test-Yara']?.category, 'malicious', `member ${i}: the rescan confirmed it`)
  }
  t.equal((await net.repos[0]?.jobs.get(rescanId))?.rescanOf, analysisId, 'the origin recorded what it rescanned')
  t.equal(restarted.liveJob(rescanId)?.rescanOf, analysisId, 'the restarted origin knows the rescan for one: it is not rescanned again')
  t.equal(member.liveJob(rescanId)?.rescanOf, analysisId, 'so does the restarted member: it refuses a third job under the submission')
})
