/**
 * The origin's rescan (SPEC sections 10 and 17): a signed file whose report the members' engine timeouts
 * left unconfirmed is scanned once more, under the same wallet's signature, and the reward function pays
 * the first submitter from the rescan's confirmation. Reports without timeouts, unsigned files and a
 * rescan's own report are not rescanned.
 */
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import tap from 'tap'
import type { Test } from 'tap'
import { Wallet } from 'ethers'
import { classify, computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, rewardFactsOf, signSubmission } from '#protocol/index.ts'
import type { FileSubmission, Hex, Report } from '#protocol/index.ts'
import { CHAIN_ID, memoryCoordinators, REGISTRY, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { detectingEngine, hangingEngine, quickEngine, slowFirstEngine } from '../fixtures/test-engines.ts'
import { needsRescan } from '../../src/quorum/rescan-check.ts'
import type { Repositories } from '../../src/db/index.ts'

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

// YARA-like engine starved on its first scan of a sample on every member; the heuristics answer at once
const engines = (): ReturnType<typeof quickEngine>[] => [detectingEngine('Test-Heuristics', 'heur.powershell.download'), slowFirstEngine(detectingEngine('Test-Yara', 'ps.downloader'))]

tap.test('a signed file whose report engine timeouts left unconfirmed is rescanned once, and the first submitter is paid', async (t) => {
  const net = await memoryCoordinators(t, { engines })
  const text = 'a PowerShell downloader scanned on a loaded machine'
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf(text), { submission: await submission(text) })
  const first = await until('the first report', async () => await net.repos[0]?.reports.get(analysisId))
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
  const r = computeEpochRewards({ epoch: 0, facts: [firstFacts, rewardFactsOf(rescan, 0)], state: INITIAL_REWARDS_STATE, params: { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionFee: 0n } })
  t.same(r.items.map(i => [i.jobId, i.outcome, i.class]), [[firstFacts.jobId, 'paid', 'malicious'], [rewardFactsOf(rescan, 0).jobId, 'not-first', 'malicious']])
  t.equal(r.amounts.get(finder.address.toLowerCase() as Hex), DEFAULT_REWARD_PARAMS.baseReward, 'the first submitter earns the base reward')

  await sleep(3000)
  t.equal((await reportsOf(net.repos[0] as Repositories, sha(text), analysisId)).length, 2, 'a rescan is not rescanned')
})

/** the report of one submission on a fresh network, and how many reports of the sample the origin holds 3 s later */
async function settle (t: Test, engineSet: () => ReturnType<typeof quickEngine>[], text: string, signed: boolean): Promise<{ report: Report, count: number }> {
  const net = await memoryCoordinators(t, { engines: engineSet })
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf(text), signed ? { submission: await submission(text) } : {})
  const report = await until('the report', async () => await net.repos[0]?.reports.get(analysisId))
  await sleep(3000)
  return { report, count: (await reportsOf(net.repos[0] as Repositories, sha(text), analysisId)).length }
}

tap.test('no rescan of an unsigned file: it earns nothing either way', async (t) => {
  const { report, count } = await settle(t, engines, 'an unsigned upload that timed out', false)
  t.match(report.results['Test-Yara'], { category: 'timeout' })
  t.equal(count, 1)
})

tap.test('no rescan of a signed file scanned in time', async (t) => {
  const { report, count } = await settle(t, () => [quickEngine(), quickEngine('Test-Other')], 'a signed benign file scanned in time', true)
  t.equal(report.results['Test-Other']?.category, 'undetected')
  t.equal(count, 1)
})

tap.test('no rescan of a report two engines confirmed despite a timeout', async (t) => {
  const { report, count } = await settle(t, () => [detectingEngine('Test-A'), detectingEngine('Test-B'), slowFirstEngine(quickEngine('Test-C'))], 'a signed file caught despite a timeout', true)
  t.match(report.results['Test-C'], { category: 'timeout' })
  t.equal(classify(rewardFactsOf(report, 0), DEFAULT_REWARD_PARAMS), 'malicious')
  t.equal(count, 1)
})

tap.test('a rescan that times out again is not rescanned, and members refuse a third job under the submission', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [detectingEngine('Test-Heuristics'), hangingEngine('Test-Yara')] })
  const text = 'a sample whose scanner never answers'
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf(text), { submission: await submission(text) })
  const rescanId = await until('the rescan', async () => (await net.repos[0]?.jobs.get(analysisId))?.rescannedBy)
  const rescan = await until('the rescan\'s report', async () => await net.repos[0]?.reports.get(rescanId))
  t.match(rescan.results['Test-Yara'], { category: 'timeout' })
  t.equal(needsRescan(rescan), true, 'still unconfirmed by timeouts')
  await sleep(3000)
  t.equal((await net.repos[0]?.jobs.get(rescanId))?.rescannedBy, undefined, 'not rescanned again')
  t.equal((await net.repos[0]?.reports.getLatestBySha256(sha(text)))?.jobId, rescanId)
})
