// A reorg deeper than the confirmation depth into an epoch the members already computed and signed
// (SPEC 17): the anchor it took back, and the different one the new chain holds, make every member forget
// the epoch, compute it again from the state before it, sign the new root and post that one; a reorg
// past an epoch's end block (members, parameters and stakes read there) recomputes it too; one after it
// leaves it alone. In-process members with real repositories on a memory gossip bus.
import tap from 'tap'
import type { Test } from 'tap'
import pino from 'pino'
import { epochProposers } from '#protocol/index.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createRewardsService } from '../../src/rewards/rewards-service.ts'
import { createMemoryGossipBus, staticFollower } from '../fixtures/memory-network.ts'
import { memoryRewardsChain } from '../fixtures/memory-rewards-chain.ts'
import { anchoredRepositories, submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import { CHAIN_ID, MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'
import type { Hex, Report } from '#protocol/index.ts'
import type { ReorgEvent, ReorgListener, RegistryFollower } from '../../src/chain/registry-follower.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { RewardsService } from '../../src/rewards/rewards-service.ts'

const E = 5
const FOLLOWED = 30
const PARAMS = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 1 }
const members = MEMBERS.map((m) => m.address)
const TURN_MS = 5000

/** the static follower of the other rewards tests, whose reorgs the test signals */
function reorgingFollower (): RegistryFollower & { reorg(event: ReorgEvent): Promise<void> } {
  const listeners = new Set<ReorgListener>()
  const base = staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), {
    followedBlock: FOLLOWED, parameters: { maxJobAgeBlocks: 16n, quorumFaultDivisor: 3n, rewardBudgetPerEpoch: 10_000n * 10n ** 18n }
  })
  return {
    ...base,
    onReorg (listener) { listeners.add(listener); return () => { listeners.delete(listener) } },
    async reorg (event) { await Promise.all([...listeners].map(async (l) => { await l(event) })) }
  }
}

interface Member { self: Hex, service: RewardsService, repos: Repositories, metrics: ReturnType<typeof createNodeMetrics> }

async function world (t: Test): Promise<{ nodes: Member[], reports: Report[], follower: ReturnType<typeof reorgingFollower>, chain: ReturnType<typeof memoryRewardsChain>, clock: { now: number } }> {
  const chain = memoryRewardsChain({ members, epochBlocks: E, head: FOLLOWED, chainId: CHAIN_ID, registry: REGISTRY })
  const follower = reorgingFollower()
  const bus = createMemoryGossipBus()
  const clock = { now: 1_000_000 }
  const reports = await Promise.all([0, 1].map(async (i) => await submittedReport(new TextEncoder().encode(`reorged sample ${i}`), submitterWallet(i), `family-${i}`)))
  // epoch 1's first poster is away, so the three running members hold a quorum without posting until its turn passes
  const away = epochProposers(members, 1)[0]
  const nodes: Member[] = []
  for (const [i, member] of MEMBERS.entries()) {
    if (member.address === away) continue
    const repos = await anchoredRepositories(t, `node-${i}`, reports, { epoch: 0, block: 6, followed: FOLLOWED })
    const gossip = bus.join()
    const metrics = createNodeMetrics()
    const service = createRewardsService({ chainId: CHAIN_ID, registry: REGISTRY, postTurnMs: TURN_MS, pollIntervalMs: 60_000, params: PARAMS }, {
      self: member.address, operator: member.wallet, chain, stakes: { stakesAt: async () => new Map() }, follower, gossip, repos,
      logger: pino({ level: process.env.REWARDS_TEST_LOG ?? 'silent' }), metrics: metrics.rewards, now: () => clock.now
    })
    await gossip.start()
    nodes.push({ self: member.address, service, repos, metrics })
  }
  for (const n of nodes) await n.service.start()
  t.teardown(async () => { for (const n of nodes) await n.service.stop() })
  return { nodes, reports, follower, chain, clock }
}

const settle = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 30)) }
async function ticks (nodes: Member[], rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    for (const n of nodes) await n.service.tick()
    await settle()
  }
}
const recomputed = async (n: Member): Promise<string> => await n.metrics.registry.getSingleMetricAsString('virusmap_rewards_recomputed_epochs_total')

tap.test('a reorg that replaces an anchor under a computed, signed epoch: every member recomputes, signs the new root, and that one is posted', async (t) => {
  const { nodes, reports, chain, clock, follower } = await world(t)
  await ticks(nodes)
  const before = await nodes[0]?.repos.rewards.epoch(1)
  t.equal(before?.items.length, 2, 'epoch 1 paid both reports of epoch 0')
  for (const n of nodes) t.equal((await n.repos.rewards.signatures(1)).filter((s) => s.root === before?.root).length, 3, 'a quorum signed the first root')
  t.equal(chain.posts.length, 0, 'not posted: the first poster is away and its turn has not passed')

  // a reorg back to block 5 (members and parameters unchanged), and the anchor service's answer to it: the
  // EpochAnchored event of block 6 taken back, its events read again from block 5
  await follower.reorg({ ancestorBlock: 5, depth: 25 })
  for (const n of nodes) await n.repos.anchors.forgetAnchoredAfter(5)
  await ticks(nodes)
  for (const n of nodes) {
    t.equal(await n.repos.rewards.epoch(1), undefined, 'the epoch whose anchor went is forgotten, not served')
    t.notOk((await n.repos.rewards.signatures(1)).some((s) => s.member === n.self), 'and its own signature of the old root')
    t.match(await recomputed(n), /virusmap_rewards_recomputed_epochs_total 2/, 'epochs 0 and 1 read the anchor: both are computed again')
  }

  // the new chain anchored epoch 0 at block 8 with one report only
  const reanchored = reports[0] as Report
  const root = `0x${'0e'.repeat(32)}` as Hex
  for (const n of nodes) {
    await n.repos.anchors.recordAnchored({ epoch: 0, root, leafCount: 1, block: 8, tx: root, submitter: `0x${'00'.repeat(20)}` })
    await n.repos.anchors.assignJobs(0, [reanchored.jobId.toLowerCase() as Hex], [], [])
    await n.repos.anchors.setEventsReadTo(FOLLOWED)
  }
  await ticks(nodes)
  const after = await nodes[0]?.repos.rewards.epoch(1)
  t.not(after?.root, before?.root, 'a different root')
  t.same(after?.items.map((i) => i.jobId), [reanchored.jobId.toLowerCase()], 'it pays the one report the new chain anchored')
  for (const n of nodes) {
    t.same(await n.repos.rewards.epoch(1), after, 'every member computed the same record')
    const held = await n.repos.rewards.signatures(1)
    t.equal(held.length, 3)
    t.ok(held.every((s) => s.root === after?.root), 'every member signed the new root, and only it is held')
  }

  // the away poster's turn passes: the next rank posts the recomputed root
  clock.now += 2 * TURN_MS
  await ticks(nodes, 1)
  t.equal(chain.posts.length, 1)
  t.equal(chain.posts[0]?.root, after?.root, 'the recomputed root is the one posted')
})

tap.test('a reorg past an epoch\'s end block recomputes it (same inputs, same root signed again); one after its end block does not', async (t) => {
  const { nodes, follower } = await world(t)
  await ticks(nodes)
  const first = await nodes[0]?.repos.rewards.epoch(1)
  t.ok(first?.root !== undefined)

  // epoch 1 ends at block 9: a reorg back to block 9 leaves what it read at its end block
  await follower.reorg({ ancestorBlock: 9, depth: 21 })
  await ticks(nodes)
  for (const n of nodes) t.match(await recomputed(n), /virusmap_rewards_recomputed_epochs_total 0/, 'nothing recomputed')

  // back to block 8: epoch 1's members, parameters and stakes are read again
  await follower.reorg({ ancestorBlock: 8, depth: 22 })
  for (const n of nodes) {
    t.match(await recomputed(n), /virusmap_rewards_recomputed_epochs_total 1/, 'epoch 1 recomputed')
    t.equal(await n.repos.rewards.epoch(1), undefined, 'and forgotten until then')
    t.ok(await n.repos.rewards.epoch(0) !== undefined, 'epoch 0 (ended at block 4) kept')
  }
  await ticks(nodes)
  for (const n of nodes) {
    t.same(await n.repos.rewards.epoch(1), first, 'the same record computed again from the kept state of epoch 0')
    t.equal((await n.repos.rewards.signatures(1)).filter((s) => s.root === first?.root).length, 3, 'signed again by all three')
  }
})
