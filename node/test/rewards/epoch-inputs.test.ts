// What an epoch's reward computation reads, and when it must wait: an epoch of the window that may still
// be anchored, an anchored root not matched to its jobs yet, a report this member lacks; and the rewards
// repository's rules (a member's first signature per epoch kept, only the newest state, posted epochs' signatures dropped).
import tap from 'tap'
import { DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, computeEpochRewards, stateToJson } from '#protocol/rewards/index.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { anchorableUntil, epochInputs } from '../../src/rewards/epoch-inputs.ts'
import { epochRecordOf, treeOfRecord } from '../../src/rewards/epoch-record.ts'
import { recordAnchored, submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import type { Hex } from '#protocol/messages.ts'

const E = 10
const parameterAt = (name: string): bigint | undefined => name === 'maxJobAgeBlocks' ? 16n : undefined
const db = await openDatabase({ path: tap.testdir() })
tap.teardown(async () => { await db.close() })
const repos = createRepositories(db)
const reports = await Promise.all([0, 1].map(async (i) => await submittedReport(new TextEncoder().encode(`inputs ${i}`), submitterWallet(i))))
const MEMBER = `0x${'11'.repeat(20)}` as Hex
const sources = { epochBlocks: E, payDelayEpochs: 1, anchors: repos.anchors, reports: repos.reports, parameterAt, membersAt: () => [MEMBER] }

tap.test('anchorableUntil is ReportAnchors\' EpochTooOld bound', async (t) => {
  t.equal(anchorableUntil(3, E, parameterAt), 40 + 16)
  t.equal(anchorableUntil(3, E, () => undefined), 40 + 7200, 'unset: the protocol\'s default')
  t.equal(anchorableUntil(3, E, () => 5n), 40 + 7200, 'out of range: the default, as the contract reads it')
})

tap.test('an epoch waits until every epoch of its window is final here', async (t) => {
  await repos.anchors.setEventsReadTo(10 + 16 - 1)
  t.match(await epochInputs(1, sources), { ready: false, reason: 'ANCHOR_OPEN', epoch: 0 }, 'epoch 0 may still be anchored until block 26')
  t.match(await epochInputs(1, { ...sources, membersAt: (b: number) => b < 10 ? [] : [MEMBER] }), { ready: false, reason: 'ANCHOR_OPEN', epoch: 1 },
    'but not without members at its first block (nobody can sign its root): epoch 0 is final and empty at once')
  await repos.anchors.setEventsReadTo(26)
  t.match(await epochInputs(1, sources), { ready: false, reason: 'ANCHOR_OPEN', epoch: 1 }, 'epoch 0 is over and empty; epoch 1 still open')
  await repos.anchors.recordAnchored({ epoch: 1, root: `0x${'01'.repeat(32)}`, leafCount: 2, block: 21, tx: `0x${'02'.repeat(32)}`, submitter: `0x${'00'.repeat(20)}` })
  t.match(await epochInputs(1, sources), { ready: false, reason: 'UNMATCHED', epoch: 1 }, 'anchored, but not matched to its proposal yet')
  await repos.anchors.assignJobs(1, reports.map((r) => r.jobId), [], [reports[1]?.jobId as Hex])
  t.match(await epochInputs(1, sources), { ready: false, reason: 'MISSING_REPORTS', epoch: 1, missing: [reports[1]?.jobId] })
  await repos.anchors.assignJobs(1, reports.map((r) => r.jobId), [], [])
  t.match(await epochInputs(1, sources), { ready: false, reason: 'MISSING_REPORTS', missing: [reports[0]?.jobId] }, 'matched, but the report is not held')
  for (const r of reports) await repos.reports.put(r)
  const inputs = await epochInputs(1, sources)
  t.equal(inputs.ready, true)
  t.same(inputs.ready ? inputs.facts.map((f) => [f.jobId, f.epoch]) : [], reports.map((r) => [r.jobId, 1]), 'the facts of epoch 1\'s reports, each of its anchor\'s epoch')
  const aborted = new AbortController()
  aborted.abort()
  await t.rejects(epochInputs(1, sources, { signal: aborted.signal }), { name: 'AbortError' })
})

tap.test('the stored record rebuilds the tree; the repository keeps the first signature, the newest state', async (t) => {
  await recordAnchored(repos.anchors, 2, [], 31)
  const inputs = await epochInputs(1, sources)
  const facts = inputs.ready ? inputs.facts : []
  const params = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0 }
  const result = computeEpochRewards({ epoch: 1, facts, state: INITIAL_REWARDS_STATE, params })
  const record = epochRecordOf(result, { reports: facts.length, budget: params.budget })
  t.equal(record.items.length, 2)
  t.equal(treeOfRecord(record)?.root, record.root, 'leaves -> the same root')
  t.equal(treeOfRecord({ leaves: [] }), undefined, 'nobody earned: no tree')
  await repos.rewards.putEpoch({ ...record, epoch: 0 }, { ...stateToJson(result.state), epoch: 0 })
  await repos.rewards.putEpoch(record, stateToJson(result.state))
  t.equal((await repos.rewards.latestState())?.epoch, 1)
  t.same((await repos.rewards.epochs(5)).map((r) => r.epoch), [1, 0], 'every epoch\'s record is kept')
  const sig = { member: `0x${'aa'.repeat(20)}` as Hex, root: record.root as Hex, total: record.total, signature: `0x${'bb'.repeat(65)}` as Hex }
  t.equal(await repos.rewards.addSignature(1, sig), true)
  t.equal(await repos.rewards.addSignature(1, { ...sig, root: `0x${'cc'.repeat(32)}` }), false, 'a second root from the same member is not kept')
  await repos.rewards.addSignature(2, sig)
  await repos.rewards.forgetSignaturesThrough(1)
  t.same(await repos.rewards.signatures(1), [])
  t.same(await repos.rewards.signatures(2), [sig], 'a later epoch\'s signature stays')
})

tap.test('a window that waits for a later epoch\'s anchor reads none of its final epochs\' reports', async (t) => {
  const local = await openDatabase({ path: `${tap.testdir()}/window` })
  t.teardown(async () => { await local.close() })
  const mine = createRepositories(local)
  for (const r of reports) await mine.reports.put(r)
  await recordAnchored(mine.anchors, 3, reports, 35)
  await mine.anchors.setEventsReadTo(45)
  const read: Hex[] = []
  const counting = { get: async (jobId: Hex) => { read.push(jobId); return await mine.reports.get(jobId) } }
  const window = { ...sources, anchors: mine.anchors, reports: counting }
  t.match(await epochInputs(4, window), { ready: false, reason: 'ANCHOR_OPEN', epoch: 4 }, 'epoch 3 is final, epoch 4 may still be anchored')
  t.same(read, [], 'epoch 3\'s reports were not read')
  await recordAnchored(mine.anchors, 4, [], 45)
  const inputs = await epochInputs(4, window)
  t.equal(inputs.ready, true)
  t.same(read.toSorted(), reports.map((r) => r.jobId.toLowerCase()).toSorted(), 'read once the window is final, each once')
  t.same(inputs.ready ? inputs.facts.map((f) => f.epoch) : [], [3, 3])
})
