// Issue 16's gap, closed: two of four members missed a job (down during it; one also when the epoch was
// proposed), so the epoch anchoring it leaves them without its report (and one without its jobs), their
// rewards epoch waits, and with two signatures of a quorum of three no rewards root is posted. Each member
// serves its reports and proposals over real libp2p; the two fetch what they miss (a lying peer, asked
// first, is refused and benched), the anchor service matches the root and records the report's proof, and
// they compute, sign and post the same rewards root as the others.
import tap from 'tap'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import { createAnchorService } from '../../src/anchors/anchor-service.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createReportFetchService } from '../../src/report-fetch/report-fetch-service.ts'
import { createReportFetcher } from '../../src/report-fetch/report-fetcher.ts'
import { createReportServer } from '../../src/report-fetch/report-server.ts'
import { createRewardsService } from '../../src/rewards/rewards-service.ts'
import { createMemoryGossipBus } from '../fixtures/memory-network.ts'
import { CHAIN_ID, MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'
import { memoryRewardsChain, type MemoryRewardsChain } from '../fixtures/memory-rewards-chain.ts'
import {
  ANCHORED, anchoredChain, connect, copy, E, PAID_FOLLOWED, paidChainView, paidFollower, PAYING, proposalOf, rewardedReport, silent, startHost, startServer
} from './fetch-world.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { AnchorService } from '../../src/anchors/anchor-service.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { ReportFetchService } from '../../src/report-fetch/report-fetch-service.ts'
import type { RewardsRootOnChain } from '../../src/rewards/ports.ts'
import type { RewardsService } from '../../src/rewards/rewards-service.ts'

const members = MEMBERS.map((m) => m.address)
const follower = paidFollower
const chainView = paidChainView
const PARAMS = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 1 }

const rewardsChain = (): MemoryRewardsChain => memoryRewardsChain({ members, epochBlocks: E, head: PAID_FOLLOWED, chainId: CHAIN_ID, registry: REGISTRY })

const settle = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 30)) }

interface Member { repos: Repositories, anchors: AnchorService, rewards: RewardsService, fetch: ReportFetchService, metrics: ReturnType<typeof createNodeMetrics> }

tap.test('members that missed a job fetch its anchored report from peers and sign the same rewards root; the root is posted', async (t) => {
  const reports = await Promise.all(['one', 'two', 'three'].map(async (l, i) => await rewardedReport(`missed-${l}`, i))) as [Report, Report, Report]
  const [, missed] = reports
  const proposal = await proposalOf(ANCHORED, reports)
  const chain = rewardsChain()
  const bus = createMemoryGossipBus()
  // a peer that serves a tampered copy of every report: the missing members reach it first
  const tampered = (jobId: Hex): Report | undefined => {
    const honest = reports.find((r) => r.jobId === jobId)
    if (honest === undefined) return undefined
    const lie = copy(honest)
    lie.stats = { ...lie.stats, malicious: lie.stats.malicious + 1 }
    return lie
  }
  const liar = await startServer(t, tampered)
  const hosts = await Promise.all(MEMBERS.map(async () => await startHost(t)))
  const nodes: Member[] = []
  for (const [i, member] of MEMBERS.entries()) {
    const db = await openDatabase({ path: t.testdir() + `/member-${i}` })
    t.teardown(async () => { await db.close() })
    const repos = createRepositories(db)
    // members 2 and 3 were down during the second job: they hold the other two reports; member 3 was still
    // down when the epoch was proposed, so it never received the proposal either
    for (const report of reports) if (i < 2 || report !== missed) await repos.reports.put(report)
    if (i !== 3) await repos.anchors.addProposal(proposal)
    const metrics = createNodeMetrics()
    const libp2p = hosts[i] as (typeof hosts)[number]
    const server = createReportServer({}, { libp2p, reports: repos.reports, anchors: repos.anchors, logger: silent, metrics: metrics.reportFetch })
    await server.start()
    t.teardown(async () => { await server.stop() })
    const gossip = bus.join()
    await gossip.start()
    const common = { self: member.address, operator: member.wallet, follower, gossip, repos, logger: silent, now: () => 1_000_000 }
    const anchors = createAnchorService({ chainId: CHAIN_ID, registry: REGISTRY, anchorTurnMs: 5000, pollIntervalMs: 60_000, confirmations: 0, fromBlock: 0 }, {
      ...common, chain: anchoredChain(proposal.root, proposal.leafCount), metrics: metrics.anchors
    })
    const rewards = createRewardsService({ chainId: CHAIN_ID, registry: REGISTRY, postTurnMs: 5000, pollIntervalMs: 60_000, params: PARAMS }, {
      ...common, chain, stakes: { stakesAt: async () => new Map() }, metrics: metrics.rewards
    })
    const fetcher = createReportFetcher({ timeoutMs: 5000 }, { libp2p, chain: chainView, logger: silent, metrics: metrics.reportFetch })
    const fetch = createReportFetchService({ pollIntervalMs: 60_000 }, { fetcher, repos, epochBlocks: async () => E, logger: silent })
    nodes.push({ repos, anchors, rewards, fetch, metrics })
  }
  for (const i of [2, 3]) await connect(hosts[i] as (typeof hosts)[number], liar)
  for (const [i, from] of hosts.entries()) for (const to of hosts.slice(i + 1)) await connect(from, to)
  for (const n of nodes) {
    await n.anchors.start()
    await n.rewards.start()
    await n.fetch.start()
  }
  t.teardown(async () => {
    for (const n of nodes) {
      await n.fetch.stop()
      await n.rewards.stop()
      await n.anchors.stop()
    }
  })
  const pass = async (ticks = 5): Promise<void> => {
    for (let k = 0; k < ticks; k++) {
      for (const n of nodes) await n.anchors.tick()
      for (const n of nodes) await n.rewards.tick()
      await settle()
    }
  }

  // without the report: the two stall on epoch 0, and two signatures are no quorum
  await pass()
  t.same((await nodes[2]?.repos.anchors.epoch(ANCHORED))?.missing, [missed.jobId], 'the anchored epoch lists the missed job as missing')
  t.equal((await nodes[3]?.repos.anchors.epoch(ANCHORED))?.jobIds, undefined, 'member 3 cannot even match the anchored root to its jobs')
  for (const i of [2, 3]) t.equal(await nodes[i]?.repos.rewards.epoch(PAYING), undefined, `member ${i} computes no rewards for epoch ${PAYING}`)
  for (const i of [0, 1]) t.ok((await nodes[i]?.repos.rewards.epoch(PAYING))?.root, `member ${i} computed epoch ${PAYING}`)
  t.equal(chain.posts.length, 0, 'no rewards root posted: 2 signatures, quorum 3')

  // the fetch: member 2 fetches the report (the liar first, refused; an honest member next), member 3 the proposal
  t.same(await Promise.all(nodes.map(async (n) => await n.fetch.tick())), [0, 0, 1, 1], 'member 2 fetched the report, member 3 the proposal; the others lack none')
  t.same((await nodes[3]?.repos.anchors.proposal(ANCHORED, proposal.root))?.jobIds, proposal.jobIds, 'member 3 holds the anchored proposal')
  await pass(1)
  t.same((await nodes[3]?.repos.anchors.epoch(ANCHORED))?.missing, [missed.jobId], 'member 3 matched the root: the missed job is missing')
  t.same(await Promise.all(nodes.map(async (n) => await n.fetch.tick())), [0, 0, 0, 1], 'member 3 fetched the report')
  const counts = await Promise.all(nodes.map(async (n) => Object.fromEntries((await n.metrics.reportFetch.fetches.get()).values.map((v) => [String(v.labels.outcome), v.value]))))
  t.same(counts[2], { rejected: 1, fetched: 1 }, 'member 2: the liar refused, an honest peer served')
  // member 3 asked the liar for the proposal (it had none), then the member that served it, now ranked first, for the report
  t.same(counts[3], { 'not-found': 1, fetched: 2 }, 'member 3: the peer that served the proposal is asked first for the report')
  for (const i of [2, 3]) t.same(await nodes[i]?.repos.reports.get(missed.jobId), missed, `member ${i} stored the anchored report, not the liar's`)
  const served = await Promise.all(nodes.slice(0, 3).map(async (n) => (await n.metrics.reportFetch.served.get()).values.find((v) => v.labels.outcome === 'found')?.value ?? 0))
  t.equal(served.reduce((a, b) => a + b, 0), 3, 'honest members served the three answers (two reports, a proposal)')

  await pass(3)
  for (let k = 0; k < 20 && chain.posts.length === 0; k++) await pass(1)
  t.same((await nodes[3]?.repos.anchors.epoch(ANCHORED))?.missing, [], 'the anchor service recorded the fetched report\'s proof')
  t.ok(await nodes[3]?.repos.anchors.jobAnchor(missed.jobId), 'the fetched job is provable here')
  t.equal(chain.posts.length, 1, 'the rewards root is posted')
  const posted = chain.posts[0] as RewardsRootOnChain & { signers: Hex[] }
  t.equal(posted.epoch, PAYING)
  const records = await Promise.all(nodes.map(async (n) => await n.repos.rewards.epoch(PAYING)))
  for (const [i, r] of records.entries()) t.equal(r?.root, posted.root, `member ${i} computed the posted root`)
  t.equal(records[2]?.items.length, 3, 'every anchored report scored, the fetched one too')
  t.ok(posted.signers.includes(members[2] as Hex) || posted.signers.includes(members[3] as Hex), 'a member that fetched the report signed the posted root')
  for (const n of nodes) t.match(await n.metrics.registry.getSingleMetricAsString('virusmap_rewards_root_mismatch_total'), /virusmap_rewards_root_mismatch_total 0/, 'no member saw another root')
})
