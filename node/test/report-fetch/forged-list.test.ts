// Issue 16's last stall: a member down through an epoch holds none of its reports and no proposal. A lying
// member signs another jobId list under the anchored root and its leaves (only the reports tie a jobId to a
// leaf) and serves it first, so the member matches the root to jobs nobody holds. Over real libp2p hosts, the
// member must still end the epoch: no peer serves a listed job, so it asks every peer for the root's proposal,
// fetches the reports of each other list, keeps the list its reports prove (counted as a conflict), and its
// rewards epoch is computed. The liar serves one forged list, or a new one at each request, from one host or
// from eight sybil hosts each serving its own; a pass asks for three things at most, so the liar's lists of
// jobs nobody holds must not spend it before the anchored list's.
import tap from 'tap'
import pino from 'pino'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import { createAnchorService } from '../../src/anchors/anchor-service.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createReportFetchService } from '../../src/report-fetch/report-fetch-service.ts'
import { createReportFetcher } from '../../src/report-fetch/report-fetcher.ts'
import { createRewardsService } from '../../src/rewards/rewards-service.ts'
import { createMemoryGossipBus } from '../fixtures/memory-network.ts'
import { memoryRewardsChain } from '../fixtures/memory-rewards-chain.ts'
import { CHAIN_ID, MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'
import {
  ANCHORED, anchoredChain, connect, E, PAID_FOLLOWED, paidChainView, paidFollower, PAYING, proposalOf, rewardedReport, signedProposal, startHost, startServer
} from './fetch-world.ts'
import type { Hex, Report } from '#protocol/messages.ts'
import type { StoredAnchorProposal } from '../../src/db/anchor-repository.ts'

const reports = await Promise.all(['one', 'two', 'three'].map(async (l, i) => await rewardedReport(`forged-${l}`, i))) as [Report, Report, Report]
const honest = await proposalOf(ANCHORED, reports)
const LIAR = 1
let forgeries = 0
/** the honest root and leaves over jobIds nobody holds, signed by the lying member */
async function forged (): Promise<StoredAnchorProposal> {
  forgeries++
  const jobIds = [1, 2, 3].map((k) => `0x${forgeries.toString(16).padStart(2, '0')}${k.toString(16).padStart(62, '0')}` as Hex)
  return await signedProposal({ epoch: ANCHORED, root: honest.root, leafCount: 3, jobIds, leaves: honest.leaves }, LIAR)
}
const first = await forged()

/** forged lists signed ahead (a host answers synchronously), one taken at each request */
const pool = await Promise.all(Array.from({ length: 160 }, forged))
const fresh = (): StoredAnchorProposal => pool.pop() ?? first

const lies: Array<{ name: string, hosts: number, serve: () => Promise<StoredAnchorProposal | (() => StoredAnchorProposal)> }> = [
  { name: 'one forged list', hosts: 1, serve: async () => first },
  { name: 'a new forged list at each request', hosts: 1, serve: forged },
  { name: 'a new forged list at each request from each of 8 sybil hosts', hosts: 8, serve: async () => fresh }
]

for (const lie of lies) {
  tap.test(`a member holding none of an epoch's reports, served ${lie.name} first, fetches the anchored list and computes its rewards`, async (t) => {
    const db = await openDatabase({ path: t.testdir() + '/member' })
    t.teardown(async () => { await db.close() })
    const repos = createRepositories(db)
    const metrics = createNodeMetrics()
    const warnings: string[] = []
    const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(String((JSON.parse(line) as { msg?: string }).msg)) } })
    // the liar holds no report and serves its list; the honest peer serves the reports and the anchored proposal
    let served: StoredAnchorProposal | (() => StoredAnchorProposal) = first
    const liars = []
    for (let i = 0; i < lie.hosts; i++) liars.push(await startServer(t, () => undefined, {}, undefined, () => (typeof served === 'function' ? served() : served)))
    const peer = await startServer(t, (jobId) => reports.find((r) => r.jobId === jobId), {}, undefined, (epoch, root) => (epoch === ANCHORED && root === honest.root ? honest : undefined))
    const host = await startHost(t)
    // asked in the order connected: the liars first
    for (const p of [...liars, peer]) await connect(host, p)
    const member = MEMBERS[3] as typeof MEMBERS[number]
    const gossip = createMemoryGossipBus().join()
    await gossip.start()
    const common = { self: member.address, operator: member.wallet, follower: paidFollower, gossip, repos, logger, now: () => 1_000_000 }
    const anchors = createAnchorService({ chainId: CHAIN_ID, registry: REGISTRY, anchorTurnMs: 5000, pollIntervalMs: 60_000, confirmations: 0, fromBlock: 0 }, {
      ...common, chain: anchoredChain(honest.root, honest.leafCount), metrics: metrics.anchors
    })
    const chain = memoryRewardsChain({ members: MEMBERS.map((m) => m.address), epochBlocks: E, head: PAID_FOLLOWED, chainId: CHAIN_ID, registry: REGISTRY })
    const rewards = createRewardsService({ chainId: CHAIN_ID, registry: REGISTRY, postTurnMs: 5000, pollIntervalMs: 60_000, params: { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 1 } }, {
      ...common, chain, stakes: { stakesAt: async () => new Map() }, metrics: metrics.rewards
    })
    const fetcher = createReportFetcher({ timeoutMs: 5000 }, { libp2p: host, chain: paidChainView, logger, metrics: metrics.reportFetch })
    const fetch = createReportFetchService({ pollIntervalMs: 60_000, retryBaseMs: 1, maxJobsPerPass: 3 }, {
      fetcher, repos, epochBlocks: async () => E, logger, conflicts: metrics.anchors.proposalConflicts
    })
    for (const s of [anchors, rewards, fetch]) await s.start()
    t.teardown(async () => { for (const s of [fetch, rewards, anchors]) await s.stop() })
    const round = async (): Promise<void> => {
      await anchors.tick()
      await fetch.tick()
      await rewards.tick()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }

    await round()
    t.same((await repos.anchors.proposal(ANCHORED, honest.root))?.jobIds, first.jobIds, 'the liar, asked first, served its forged list, and it was stored')
    served = await lie.serve()
    for (let k = 0; k < 12 && (await repos.rewards.epoch(PAYING)) === undefined; k++) await round()
    t.same((await repos.anchors.proposal(ANCHORED, honest.root))?.jobIds, honest.jobIds, 'the list the fetched reports prove replaced the forged one')
    const record = await repos.anchors.epoch(ANCHORED)
    t.same(record?.jobIds, honest.jobIds, 'the anchored root is matched to the honest list again')
    t.same(record?.missing, [], 'every listed report is held and proven')
    for (const r of reports) t.ok(await repos.anchors.jobAnchor(r.jobId), 'each anchored job is provable here')
    const epoch = await repos.rewards.epoch(PAYING)
    t.ok(epoch?.root, `the rewards epoch ${PAYING} is computed`)
    t.equal(epoch?.items.length, 3, 'every anchored report scored')
    t.match(await metrics.registry.getSingleMetricAsString('virusmap_anchors_proposal_conflicts_total'), /virusmap_anchors_proposal_conflicts_total [1-9]/, 'the conflict is counted')
    t.ok(warnings.includes('two proposals list different jobs under one root'), 'and logged with both proposers')
  })
}
