/**
 * A member down through an anchored epoch, on a real libp2p host: its anchor, report fetch and rewards
 * services over one database and a clock the test moves, and one round of their passes (what their poll
 * loops do), for the tests of what it does when its peers lie or hold nothing.
 */
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
import { anchoredChain, E, PAID_FOLLOWED, paidChainView, paidFollower } from './fetch-world.ts'
import type { Test } from 'tap'
import type { Hex } from '#protocol/messages.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { NodeMetrics } from '../../src/metrics/registry.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'
import type { MemoryRewardsChain } from '../fixtures/memory-rewards-chain.ts'

export interface FetchMemberOptions {
  /** the anchored root and its leaf count (ReportAnchors' event) */
  anchored: { root: Hex, leafCount: number }
  /** asks a fetch pass makes at most */
  maxJobsPerPass: number
  /** the member's clock (default: the services' turns and waits on a fixed one, the fetch's backoffs on the real one) */
  now?: () => number
  /** the rewards service's unreconciledAfterMs */
  unreconciledAfterMs?: number
}

export interface FetchMember {
  repos: Repositories
  metrics: NodeMetrics
  chain: MemoryRewardsChain
  /** the messages of the warnings logged, in order */
  warnings: string[]
  /** the anchor, fetch and rewards passes, once each */
  round: () => Promise<void>
}

export async function startFetchMember (t: Test, host: VirusmapLibp2p, o: FetchMemberOptions): Promise<FetchMember> {
  const db = await openDatabase({ path: t.testdir() + '/member' })
  t.teardown(async () => { await db.close() })
  const repos = createRepositories(db)
  const metrics = createNodeMetrics()
  const warnings: string[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(String((JSON.parse(line) as { msg?: string }).msg)) } })
  const member = MEMBERS[3] as typeof MEMBERS[number]
  const gossip = createMemoryGossipBus().join()
  await gossip.start()
  const common = { self: member.address, operator: member.wallet, follower: paidFollower, gossip, repos, logger, now: o.now ?? (() => 1_000_000) }
  const clock = o.now === undefined ? {} : { now: o.now }
  const anchors = createAnchorService({ chainId: CHAIN_ID, registry: REGISTRY, anchorTurnMs: 5000, pollIntervalMs: 60_000, confirmations: 0, fromBlock: 0 }, {
    ...common, chain: anchoredChain(o.anchored.root, o.anchored.leafCount), metrics: metrics.anchors
  })
  const chain = memoryRewardsChain({ members: MEMBERS.map((m) => m.address), epochBlocks: E, head: PAID_FOLLOWED, chainId: CHAIN_ID, registry: REGISTRY })
  const rewards = createRewardsService({
    chainId: CHAIN_ID, registry: REGISTRY, postTurnMs: 5000, pollIntervalMs: 60_000, params: { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 1 },
    ...(o.unreconciledAfterMs === undefined ? {} : { unreconciledAfterMs: o.unreconciledAfterMs })
  }, { ...common, chain, stakes: { stakesAt: async () => new Map() }, metrics: metrics.rewards })
  const fetcher = createReportFetcher({ timeoutMs: 5000 }, { libp2p: host, chain: paidChainView, logger, metrics: metrics.reportFetch, ...clock })
  const fetch = createReportFetchService({ pollIntervalMs: 60_000, retryBaseMs: 1, maxJobsPerPass: o.maxJobsPerPass }, {
    fetcher, repos, epochBlocks: async () => E, logger, conflicts: metrics.anchors.proposalConflicts, ...clock
  })
  for (const s of [anchors, rewards, fetch]) await s.start()
  t.teardown(async () => { for (const s of [fetch, rewards, anchors]) await s.stop() })
  return {
    repos,
    metrics,
    chain,
    warnings,
    async round () {
      await anchors.tick()
      await fetch.tick()
      await rewards.tick()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}
