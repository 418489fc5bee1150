// The fetch service's passes on real repositories with a fake clock and a scripted fetcher: it asks for
// the anchored jobs missing here only, with the epoch's anchored leaves, backs off a job nobody served
// (5 s, 10 s, 20 s ...), stores what a peer served, never asks for a report it holds, and bounds a pass.
import tap from 'tap'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createReportFetchService } from '../../src/report-fetch/report-fetch-service.ts'
import { proposalOf, rewardedReport, silent } from './fetch-world.ts'
import type { AnchorProposal, Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { AnchoredSlot } from '../../src/report-fetch/report-check.ts'

const reports = await Promise.all(['a', 'b', 'c', 'd'].map(async (l, i) => await rewardedReport(`service-${l}`, i))) as [Report, Report, Report, Report]

tap.test('missing anchored jobs are asked for with backoff, stored once served, and a pass is bounded', async (t) => {
  const db = await openDatabase({ path: t.testdir() + '/db' })
  t.teardown(async () => { await db.close() })
  const repos = createRepositories(db)
  const [a, b, c, d] = reports
  const proposal = await proposalOf(2, [a, b, c])
  await repos.reports.put(a)
  await repos.anchors.addProposal(proposal)
  await repos.anchors.recordAnchored({ epoch: 2, root: proposal.root, leafCount: 3, block: 12, tx: proposal.root, submitter: proposal.proposer })
  await repos.anchors.assignJobs(2, proposal.jobIds, [], [b.jobId, c.jobId].map((id) => id.toLowerCase() as Hex))
  // epoch 3 is anchored, but this member never received its proposal: nothing to check a report against
  await repos.anchors.recordAnchored({ epoch: 3, root: `0x${'77'.repeat(32)}`, leafCount: 1, block: 17, tx: proposal.root, submitter: proposal.proposer })
  await repos.anchors.assignJobs(3, [d.jobId], [], [d.jobId])

  let clock = 0
  const asked: AnchoredSlot[] = []
  let serving: Report[] = []
  const fetcher = { fetch: async (slot: AnchoredSlot) => { asked.push(slot); return serving.find((r) => r.jobId === slot.jobId) } }
  const service = createReportFetchService({ pollIntervalMs: 60_000, retryBaseMs: 5000, retryMaxMs: 15_000, maxJobsPerPass: 1 }, { fetcher, repos, logger: silent, now: () => clock })

  t.equal(await service.tick(), 0)
  t.equal(asked.length, 1, 'one job per pass at most')
  t.equal(asked[0]?.epoch, 2)
  t.same([...(asked[0]?.leaves ?? [])], proposal.leaves, 'the anchored epoch\'s leaves')
  const first = asked[0]?.jobId
  await service.tick()
  t.equal(asked.length, 2, 'the next pass asks for the other job')
  t.not(asked[1]?.jobId, first)
  await service.tick()
  t.equal(asked.length, 2, 'both wait out their backoff')
  clock = 5000
  await service.tick()
  t.equal(asked.length, 3, 'after 5 s one is asked again')
  clock = 9999
  await service.tick()
  t.equal(asked.length, 4, 'the other one, held back by the pass bound')
  await service.tick()
  t.equal(asked.length, 4)
  clock = 14_999
  await service.tick()
  t.equal(asked.length, 4, 'the second wait is 10 s')
  clock = 15_000
  serving = [b, c]
  t.equal(await service.tick(), 1, 'served and stored')
  clock = 19_999
  t.equal(await service.tick(), 1)
  t.same(await repos.reports.get(b.jobId), b)
  t.same(await repos.reports.get(c.jobId), c)
  const before = asked.length
  clock = 100_000
  t.equal(await service.tick(), 0, 'nothing left to fetch')
  t.equal(asked.length, before, 'a held report is never asked for')
  t.notOk(asked.some((s) => s.jobId === d.jobId), 'an epoch without its proposal is not fetched for')
})

tap.test('the backoff stops growing at retryMaxMs; a stop ends the loop', async (t) => {
  const db = await openDatabase({ path: t.testdir() + '/db' })
  t.teardown(async () => { await db.close() })
  const repos = createRepositories(db)
  const [a] = reports
  const proposal = await proposalOf(0, [a])
  await repos.anchors.addProposal(proposal)
  await repos.anchors.recordAnchored({ epoch: 0, root: proposal.root, leafCount: 1, block: 2, tx: proposal.root, submitter: proposal.proposer })
  await repos.anchors.assignJobs(0, proposal.jobIds, [], proposal.jobIds)
  let clock = 0
  const at: number[] = []
  const service = createReportFetchService({ pollIntervalMs: 10, retryBaseMs: 1000, retryMaxMs: 3000 }, {
    fetcher: { fetch: async () => { at.push(clock); return undefined } }, repos, logger: silent, now: () => clock
  })
  for (clock = 0; clock <= 20_000; clock += 500) await service.tick()
  t.same(at.slice(0, 6), [0, 1000, 3000, 6000, 9000, 12000], 'waits 1 s, 2 s, then 3 s at most')
  await service.start()
  await new Promise((resolve) => setTimeout(resolve, 50))
  await service.stop()
  t.pass('stopped')
})

tap.test('a served report this node withdrew is not stored again; it is asked for after the backoff', async (t) => {
  const db = await openDatabase({ path: t.testdir() + '/db' })
  t.teardown(async () => { await db.close() })
  const repos = createRepositories(db)
  const [a] = reports
  const proposal = await proposalOf(1, [a])
  await repos.reports.put(a)
  await repos.reports.withdraw(a.jobId, { code: 'NOT_MEMBER', message: 'a reorg', ancestorBlock: 3, withdrawnAt: 0 })
  await repos.anchors.addProposal(proposal)
  await repos.anchors.recordAnchored({ epoch: 1, root: proposal.root, leafCount: 1, block: 7, tx: proposal.root, submitter: proposal.proposer })
  await repos.anchors.assignJobs(1, proposal.jobIds, [], proposal.jobIds)
  let clock = 0
  let asks = 0
  const service = createReportFetchService({ pollIntervalMs: 60_000 }, { fetcher: { fetch: async () => { asks++; return a } }, repos, logger: silent, now: () => clock })
  t.equal(await service.tick(), 0, 'not stored')
  t.equal(await repos.reports.get(a.jobId), undefined, 'the withdrawn report stays out')
  await service.tick()
  t.equal(asks, 1, 'not asked again before the backoff')
  clock = 5000
  await service.tick()
  t.equal(asks, 2)
})

tap.test('an anchored epoch without its proposal: the proposal is asked for with ReportAnchors\' epochBlocks, with backoff, once', async (t) => {
  const db = await openDatabase({ path: t.testdir() + '/db' })
  t.teardown(async () => { await db.close() })
  const repos = createRepositories(db)
  const [a, b] = reports
  const proposal = await proposalOf(2, [a, b])
  await repos.reports.put(a)
  // anchored on chain, never matched here: no proposal arrived
  await repos.anchors.recordAnchored({ epoch: 2, root: proposal.root, leafCount: 2, block: 12, tx: proposal.root, submitter: proposal.proposer })
  let clock = 0
  const proposalsAsked: Array<{ epoch: number, root: Hex, epochBlocks: number }> = []
  let serving: AnchorProposal | undefined
  const fetcher = {
    fetch: async () => undefined,
    fetchProposal: async (anchored: { epoch: number, root: Hex }, epochBlocks: number) => { proposalsAsked.push({ ...anchored, epochBlocks }); return serving }
  }
  let blocksRead = 0
  const service = createReportFetchService({ pollIntervalMs: 60_000 }, { fetcher, repos, epochBlocks: async () => { blocksRead++; return 5 }, logger: silent, now: () => clock })
  t.equal(await service.tick(), 0)
  t.same(proposalsAsked, [{ epoch: 2, root: proposal.root, epochBlocks: 5 }])
  await service.tick()
  t.equal(proposalsAsked.length, 1, 'backed off')
  clock = 5000
  serving = { type: 'anchor-proposal', ...proposal }
  t.equal(await service.tick(), 1, 'the proposal stored')
  t.equal(blocksRead, 1, 'epochBlocks read once')
  t.same((await repos.anchors.proposal(2, proposal.root))?.leaves, proposal.leaves)
  await service.tick()
  t.equal(proposalsAsked.length, 2, 'not asked again once held')

  const otherDb = await openDatabase({ path: t.testdir() + '/other' })
  t.teardown(async () => { await otherDb.close() })
  const other = createRepositories(otherDb)
  await other.anchors.recordAnchored({ epoch: 2, root: proposal.root, leafCount: 2, block: 12, tx: proposal.root, submitter: proposal.proposer })
  const without = createReportFetchService({ pollIntervalMs: 60_000 }, { fetcher, repos: other, logger: silent })
  t.equal(await without.tick(), 0)
  t.equal(proposalsAsked.length, 2, 'without ReportAnchors\' epochBlocks no proposal is asked for')
})

tap.test('an incomplete epoch older than the newest lookbackEpochs anchored ones is still fetched for: the rewards wait for it first', async (t) => {
  const db = await openDatabase({ path: t.testdir() + '/db' })
  t.teardown(async () => { await db.close() })
  const repos = createRepositories(db)
  const [a, b] = reports
  const proposal = await proposalOf(1, [a, b])
  await repos.reports.put(a)
  await repos.anchors.addProposal(proposal)
  await repos.anchors.recordAnchored({ epoch: 1, root: proposal.root, leafCount: 2, block: 7, tx: proposal.root, submitter: proposal.proposer })
  await repos.anchors.assignJobs(1, proposal.jobIds, [], [b.jobId.toLowerCase() as Hex])
  // five later epochs, complete here: a member down through them missed epoch 1's job b
  for (let epoch = 2; epoch <= 6; epoch++) {
    const root = `0x${epoch.toString(16).padStart(64, '0')}` as Hex
    await repos.anchors.recordAnchored({ epoch, root, leafCount: 1, block: epoch * 5 + 2, tx: root, submitter: proposal.proposer })
    await repos.anchors.assignJobs(epoch, [a.jobId.toLowerCase() as Hex], [], [])
  }
  const asked: AnchoredSlot[] = []
  const fetcher = { fetch: async (slot: AnchoredSlot) => { asked.push(slot); return slot.jobId === b.jobId.toLowerCase() ? b : undefined } }
  const service = createReportFetchService({ pollIntervalMs: 60_000, lookbackEpochs: 2 }, { fetcher, repos, logger: silent })
  t.equal(await service.tick(), 1, 'epoch 1\'s missing report fetched and stored, though epochs 5 and 6 are the newest two')
  t.same(asked.map((s) => [s.epoch, s.jobId]), [[1, b.jobId.toLowerCase()]])
  t.same(await repos.reports.get(b.jobId), b)
  await repos.anchors.assignJobs(1, proposal.jobIds, [], [])
  t.equal(await service.tick(), 0, 'nothing left')
  t.equal(asked.length, 1)
})

tap.test('an anchored epoch whose reports no peer serves does not hold back a later epoch\'s: they are asked for at the next pass', async (t) => {
  const db = await openDatabase({ path: t.testdir() + '/db' })
  t.teardown(async () => { await db.close() })
  const repos = createRepositories(db)
  const [a, b, c, d] = reports
  for (const [epoch, listed, block] of [[2, [a, b, c], 12], [3, [d], 17]] as const) {
    const proposal = await proposalOf(epoch, listed)
    await repos.anchors.addProposal(proposal)
    await repos.anchors.recordAnchored({ epoch, root: proposal.root, leafCount: listed.length, block, tx: proposal.root, submitter: proposal.proposer })
    await repos.anchors.assignJobs(epoch, proposal.jobIds, [], proposal.jobIds)
  }
  let clock = 0
  const asked: AnchoredSlot[] = []
  // nobody holds epoch 2's reports; epoch 3's is served
  const fetcher = { fetch: async (slot: AnchoredSlot) => { asked.push(slot); return slot.jobId === d.jobId ? d : undefined } }
  const service = createReportFetchService({ pollIntervalMs: 60_000, retryBaseMs: 5000, retryMaxMs: 600_000, maxJobsPerPass: 3 }, { fetcher, repos, logger: silent, now: () => clock })
  t.equal(await service.tick(), 0, 'the oldest epoch first: its three jobs take the pass')
  t.same(asked.map((s) => s.epoch), [2, 2, 2])
  clock = 1000
  t.equal(await service.tick(), 1, 'they back off, and the next pass fetches the later epoch\'s report')
  t.same(await repos.reports.get(d.jobId), d)
  for (let k = 0; k < 12; k++) {
    clock += 600_000
    await service.tick()
  }
  t.equal(asked.filter((s) => s.epoch === 2).length, 3 * 13, 'epoch 2\'s jobs are still asked for, at most once per backoff each')
})
