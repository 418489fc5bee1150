// The rewards service on in-process members (real repositories, the protocol's codec on a memory gossip
// bus, a chain that checks RewardsRoot signatures as RewardsDistributor does): every member computes the
// same tree from the anchored reports, signs it, the epoch's first poster posts; a member's signature over
// another root is never joined, it is counted and logged; hostile messages are refused by code.
import tap from 'tap'
import type { Test } from 'tap'
import pino from 'pino'
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { decodeMessage, encodeMessage, epochProposers } from '#protocol/index.ts'
import { DEFAULT_REWARD_PARAMS, REWARDS_LEAF_TYPES, signRewardsRoot } from '#protocol/rewards/index.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createRewardsService } from '../../src/rewards/rewards-service.ts'
import { createMemoryGossipBus, staticFollower } from '../fixtures/memory-network.ts'
import { memoryRewardsChain, type MemoryRewardsChain } from '../fixtures/memory-rewards-chain.ts'
import { anchoredRepositories, submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import { CHAIN_ID, MEMBERS, OUTSIDER, REGISTRY } from '../fixtures/signed-reports.ts'
import type { AnchorSignature, Hex, RewardsSignature } from '#protocol/index.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { GossipHandler } from '../../src/network/gossip.ts'
import type { RewardsChain, RewardsRootOnChain, StakeSource } from '../../src/rewards/ports.ts'
import type { RewardsService } from '../../src/rewards/rewards-service.ts'

const E = 5
// followed to block 30 with maxJobAgeBlocks 16: epochs 0 and 1 are final (epoch 1 can no longer be anchored after block 26)
const FOLLOWED = 30
const PARAMS = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 1, submissionDeposit: 0n }
const follower = staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), {
  followedBlock: FOLLOWED, parameters: { maxJobAgeBlocks: 16n, quorumFaultDivisor: 3n, rewardBudgetPerEpoch: 10_000n * 10n ** 18n }
})
const members = MEMBERS.map((m) => m.address)
/** nobody stakes (the anvil tests read VMT's votes); every question asked is kept */
const asked: Array<{ wallets: readonly Hex[], block: number }> = []
const stakes: StakeSource = { stakesAt: async (wallets, block) => { asked.push({ wallets, block }); return new Map() } }

const memoryChain = (): MemoryRewardsChain => memoryRewardsChain({ members, epochBlocks: E, head: FOLLOWED, chainId: CHAIN_ID, registry: REGISTRY })

interface Member { service: RewardsService, repos: Repositories, metrics: ReturnType<typeof createNodeMetrics> }

async function startMembers (t: Test, which: number[], chain: RewardsChain, now: () => number): Promise<{ nodes: Member[], bus: ReturnType<typeof createMemoryGossipBus>, reports: Awaited<ReturnType<typeof submittedReport>>[] }> {
  const bus = createMemoryGossipBus()
  const reports = await Promise.all([0, 1].map(async (i) => await submittedReport(new TextEncoder().encode(`sample ${i}`), submitterWallet(i), `family-${i}`)))
  const nodes: Member[] = []
  for (const i of which) {
    const repos = await anchoredRepositories(t, `node-${i}`, reports, { epoch: 0, block: 6, followed: FOLLOWED })
    const gossip = bus.join()
    const metrics = createNodeMetrics()
    const member = MEMBERS[i] as typeof MEMBERS[number]
    const service = createRewardsService({ chainId: CHAIN_ID, registry: REGISTRY, postTurnMs: 5000, pollIntervalMs: 60_000, params: PARAMS }, {
      self: member.address, operator: member.wallet, chain, stakes, follower, gossip, repos, logger: pino({ level: process.env.REWARDS_TEST_LOG ?? 'silent' }), metrics: metrics.rewards, now
    })
    await gossip.start()
    nodes.push({ service, repos, metrics })
  }
  for (const n of nodes) await n.service.start()
  t.teardown(async () => { for (const n of nodes) await n.service.stop() })
  return { nodes, bus, reports }
}

const settle = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 30)) }

tap.test('four members compute one tree, sign it, the first poster posts it; a lying member\'s root is refused and counted', async (t) => {
  const chain = memoryChain()
  const { nodes, bus, reports } = await startMembers(t, [0, 1, 2], chain, () => 1_000_000)
  // the fourth member signs a root of its own for epoch 1 before the others compute
  const liar = MEMBERS[3] as typeof MEMBERS[number]
  const bogus = { epoch: 1, root: `0x${'66'.repeat(32)}` as Hex, total: 10n ** 24n }
  const liarGossip = bus.join()
  await liarGossip.start()
  await liarGossip.publish('rewards', { type: 'rewards-signature', epoch: 1, member: liar.address, root: bogus.root, total: bogus.total.toString(), signature: await signRewardsRoot(bogus, CHAIN_ID, REGISTRY, liar.wallet) })
  await settle()

  for (let i = 0; i < 20 && chain.posts.length === 0; i++) {
    for (const n of nodes) await n.service.tick()
    await settle()
  }
  t.equal(chain.posts.length, 1, 'one root posted')
  const posted = chain.posts[0] as RewardsRootOnChain & { signers: Hex[] }
  t.equal(posted.epoch, 1, 'epoch 1 (it pays epoch 0\'s reports; epoch 2 may still be anchored)')
  t.notOk(posted.signers.includes(liar.address), 'the liar\'s signature is not among the posted ones')
  const ranks = epochProposers(members, 1)
  t.equal(posted.signers.length, 3)

  const records = await Promise.all(nodes.map(async (n) => await n.repos.rewards.epoch(1)))
  for (const r of records) t.equal(r?.root, posted.root, 'every member stored the posted root')
  const record = records[0]
  t.equal(record?.paidEpoch, 0)
  t.equal(record?.items.length, 2, 'both reports of epoch 0 scored')
  for (const [i, report] of reports.entries()) {
    const item = record?.items.find((x) => x.jobId === report.jobId)
    t.equal(item?.outcome, 'paid', `report ${i} paid`)
    t.equal(item?.amount, PARAMS.baseReward.toString(), `report ${i}: the base reward (first, confirmed, precision 1)`)
  }
  const submitter = submitterWallet(0).address.toLowerCase() as Hex
  const tree = StandardMerkleTree.of(record?.leaves ?? [], [...REWARDS_LEAF_TYPES])
  t.equal(tree.root, posted.root, 'the stored leaves rebuild the posted root')
  const index = [...tree.entries()].find(([, [a]]) => a === submitter)?.[0] as number
  t.ok(StandardMerkleTree.verify(posted.root, [...REWARDS_LEAF_TYPES], [submitter, PARAMS.baseReward.toString()], tree.getProof(index)), 'the submitter\'s leaf is proven under the root')

  for (const [i, n] of nodes.entries()) {
    t.match(await n.metrics.registry.getSingleMetricAsString('virusmap_rewards_root_mismatch_total'), /virusmap_rewards_root_mismatch_total 1/, `member ${i} counted the liar's root once`)
  }
  const posts = await Promise.all(nodes.map(async (n) => await n.metrics.registry.getSingleMetricAsString('virusmap_rewards_posts_total')))
  t.equal(posts.filter((p) => /result="posted"} 1/.test(p)).length, 1, 'one member posted')
  // epoch 1's poster order starts at the second member (epochProposers rotates by the epoch)
  t.equal(ranks[0], members[1])
  t.match(await nodes[1]?.metrics.registry.getSingleMetricAsString('virusmap_rewards_posts_total'), /result="posted"} 1/, 'the epoch\'s first poster posted')
  t.same(bus.refused, [], 'no message refused')
  const submitters = [0, 1].map((i) => submitterWallet(i).address.toLowerCase()).toSorted()
  t.same(asked.find((q) => q.block === 2 * E - 1)?.wallets, submitters, 'epoch 1 read its window\'s submitters\' stakes at its end block')

  // after the post (every member has read it): a late signature for the posted epoch is ignored, one for an epoch nobody follows yet too
  for (const n of nodes) await n.service.tick()
  const late = { epoch: 1, root: posted.root, total: posted.total }
  await liarGossip.publish('rewards', { type: 'rewards-signature', epoch: 1, member: liar.address, root: late.root, total: late.total.toString(), signature: await signRewardsRoot(late, CHAIN_ID, REGISTRY, liar.wallet) })
  const future = { epoch: 99, root: posted.root, total: posted.total }
  await liarGossip.publish('rewards', { type: 'rewards-signature', epoch: 99, member: liar.address, root: future.root, total: future.total.toString(), signature: await signRewardsRoot(future, CHAIN_ID, REGISTRY, liar.wallet) })
  await settle()
  t.same(bus.refused.toSorted(), ['ANCHORED', 'ANCHORED', 'ANCHORED', 'FUTURE_EPOCH', 'FUTURE_EPOCH', 'FUTURE_EPOCH'])
})

tap.test('hostile signatures are refused by code before any work: outsider, forged, another signer, another type', async (t) => {
  const chain = memoryChain()
  const { nodes, bus } = await startMembers(t, [0], chain, () => 1_000_000)
  await nodes[0]?.service.tick()
  const record = await nodes[0]?.repos.rewards.epoch(1)
  const root = { epoch: 1, root: record?.root as Hex, total: BigInt(record?.total ?? '0') }
  const hostile = bus.join()
  await hostile.start()
  const msg = async (signer: typeof OUTSIDER, member: Hex): Promise<RewardsSignature> =>
    ({ type: 'rewards-signature', epoch: 1, member, root: root.root, total: root.total.toString(), signature: await signRewardsRoot(root, CHAIN_ID, REGISTRY, signer.wallet) })
  await hostile.publish('rewards', await msg(OUTSIDER, OUTSIDER.address))
  await hostile.publish('rewards', await msg(MEMBERS[2] as typeof OUTSIDER, (MEMBERS[1] as typeof OUTSIDER).address))
  await hostile.publish('rewards', { ...await msg(MEMBERS[1] as typeof OUTSIDER, (MEMBERS[1] as typeof OUTSIDER).address), signature: `0x${'00'.repeat(65)}` })
  await settle()
  t.same(bus.refused.toSorted(), ['BAD_SIGNATURE', 'NOT_MEMBER', 'SIGNER_MISMATCH'])
  t.equal((await nodes[0]?.repos.rewards.signatures(1))?.length, 1, 'only the member\'s own signature is held')

  // a message of another type on the rewards topic never reaches the handler: decodeMessage('rewards', ...) is a RewardsSignature or throws
  const other: AnchorSignature = { type: 'anchor-signature', epoch: 1, member: OUTSIDER.address, root: root.root, leafCount: 1, signature: `0x${'00'.repeat(65)}` }
  await hostile.publish('rewards', other as unknown as RewardsSignature)
  await settle()
  t.same(bus.refused.toSorted(), ['BAD_SIGNATURE', 'MALFORMED', 'NOT_MEMBER', 'SIGNER_MISMATCH'], 'refused by the codec, before the handler')
  t.throws(() => decodeMessage('rewards', encodeMessage(other)), { code: 'MALFORMED', action: 'reject' })
  t.equal((await nodes[0]?.repos.rewards.signatures(1))?.length, 1)
})

tap.test('when the first poster is away, the next rank posts after its turn', async (t) => {
  const chain = memoryChain()
  const ranks = epochProposers(members, 1)
  // three members run, not the epoch's first poster
  const running = [0, 1, 2, 3].filter((i) => members[i] !== ranks[0])
  let clock = 1_000_000
  const { nodes } = await startMembers(t, running, chain, () => clock)
  for (let i = 0; i < 5; i++) {
    for (const n of nodes) await n.service.tick()
    await settle()
  }
  t.equal(chain.posts.length, 0, 'nobody posts while it is the absent member\'s turn')
  clock += 5000
  for (const n of nodes) await n.service.tick()
  t.equal(chain.posts.length, 1, 'the second rank posts at its turn')
  t.equal(chain.posts[0]?.epoch, 1)
})

tap.test('a post whose transaction is never mined (a reorg dropped it) does not use up the poster\'s turn: it posts again at the next pass', async (t) => {
  const base = memoryChain()
  let dropped = 0
  // the first post is sent and then never mined: the chain adapter stops waiting for it and says so
  const chain: RewardsChain = {
    ...base,
    post: async (...args) => {
      if (dropped++ === 0) return { posted: false, reason: 'NOT_MINED' }
      return await base.post(...args)
    }
  }
  const { nodes } = await startMembers(t, [0, 1, 2, 3], chain, () => 1_000_000)
  for (let i = 0; i < 20 && base.posts.length === 0; i++) {
    for (const n of nodes) await n.service.tick()
    await settle()
  }
  t.equal(dropped, 2, 'the first post was dropped, the next one was sent')
  t.equal(base.posts.length, 1, 'the root is posted within the same turn (the clock stands still)')
  t.equal(base.posts[0]?.epoch, 1)
  // epoch 1's first poster is the second member (epochProposers rotates by the epoch)
  const posts = await nodes[1]?.metrics.registry.getSingleMetricAsString('virusmap_rewards_posts_total')
  t.match(posts, /result="not-mined"} 1/, 'the dropped post is counted')
  t.match(posts, /result="posted"} 1/, 'and the same poster posted it again')
})

tap.test('a member restarts from its stored state: nothing computed twice, its signature kept', async (t) => {
  const chain = memoryChain()
  chain.post = async () => ({ posted: false, reason: 'ROOT_OPEN' })
  const { nodes } = await startMembers(t, [0], chain, () => 1_000_000)
  const node = nodes[0] as Member
  await node.service.tick()
  const before = await node.repos.rewards.epochs(10)
  t.same(before.map((r) => r.epoch), [1, 0], 'epochs 0 and 1 computed')
  await node.service.stop()
  const again = createRewardsService({ chainId: CHAIN_ID, registry: REGISTRY, postTurnMs: 5000, pollIntervalMs: 60_000, params: PARAMS }, {
    self: (MEMBERS[0] as typeof OUTSIDER).address, operator: (MEMBERS[0] as typeof OUTSIDER).wallet, chain, stakes, follower, repos: node.repos, logger: pino({ level: 'silent' }),
    gossip: { handle: () => {}, publish: async () => {} }
  })
  await again.start()
  await again.tick()
  await again.stop()
  t.same((await node.repos.rewards.epochs(10)).map((r) => r.root), before.map((r) => r.root), 'the same records, none added')
  t.equal((await node.repos.rewards.signatures(1)).length, 1, 'its own signature of the unposted epoch is still held')
  t.equal((await node.repos.rewards.latestState())?.epoch, 1)
})

tap.test('an epoch whose tree is the chain\'s newest root is not signed again: nothing new to pay', async (t) => {
  const first = await startMembers(t, [0], memoryChain(), () => 1_000_000)
  await first.nodes[0]?.service.tick()
  const record = await first.nodes[0]?.repos.rewards.epoch(1)
  t.ok(record?.root, 'epoch 1 has a root')
  t.equal((await first.nodes[0]?.repos.rewards.signatures(1))?.length, 1, 'signed while the chain holds no root')
  const chain = memoryChain()
  // the chain already holds that tree, posted for an earlier epoch
  chain.posts.push({ epoch: 0, root: record?.root as Hex, total: BigInt(record?.total ?? '0'), signers: [] })
  const second = await startMembers(t, [1], chain, () => 1_000_000)
  await second.nodes[0]?.service.tick()
  t.equal((await second.nodes[0]?.repos.rewards.epoch(1))?.root, record?.root, 'the same tree computed')
  t.same(await second.nodes[0]?.repos.rewards.signatures(1), [], 'and not signed')
  t.equal(chain.posts.length, 1, 'nothing posted')
})

tap.test('a flood of valid signatures is bounded: past maxQueued they are dropped and counted, one is kept per member', async (t) => {
  const chain = memoryChain()
  const { nodes } = await startMembers(t, [0], chain, () => 1_000_000)
  const node = nodes[0] as Member
  let handler: GossipHandler<'rewards'> | undefined
  const flooded = createRewardsService({ chainId: CHAIN_ID, registry: REGISTRY, postTurnMs: 5000, pollIntervalMs: 60_000, params: PARAMS, maxQueued: 3 }, {
    self: (MEMBERS[0] as typeof OUTSIDER).address, operator: (MEMBERS[0] as typeof OUTSIDER).wallet, chain, stakes, follower, repos: node.repos, logger: pino({ level: 'silent' }), metrics: node.metrics.rewards,
    gossip: { handle: (_topic, h) => { handler = h as GossipHandler<'rewards'> }, publish: async () => {} }
  })
  await flooded.start()
  t.teardown(async () => { await flooded.stop() })
  const sender = MEMBERS[2] as typeof OUTSIDER
  const msgs: RewardsSignature[] = []
  for (let i = 0; i < 40; i++) {
    const root = { epoch: 1, root: `0x${(i + 1).toString(16).padStart(64, '0')}` as Hex, total: 1n }
    msgs.push({ type: 'rewards-signature', epoch: 1, member: sender.address, root: root.root, total: '1', signature: await signRewardsRoot(root, CHAIN_ID, REGISTRY, sender.wallet) })
  }
  for (const m of msgs) await handler?.(m, 'peer', {})
  await flooded.tick()
  t.match(await node.metrics.registry.getSingleMetricAsString('virusmap_rewards_dropped_total'), /virusmap_rewards_dropped_total (3[0-9]|40)/, 'most of the flood dropped')
  const held = (await node.repos.rewards.signatures(1)).filter((s) => s.member === sender.address)
  t.equal(held.length, 1, 'one signature kept for the member')
  t.equal(held[0]?.root, msgs[0]?.root, 'its first')
})

tap.test('the chain\'s roots are read once a head: a pass at the same head reads none, a new block or a reorg reads them again', async (t) => {
  const base = memoryChain()
  let head = FOLLOWED
  let reads = 0
  const chain: RewardsChain = { ...base, head: async () => head, roots: async (options) => { reads++; return await base.roots(options) } }
  const reorgs: Array<(event: { ancestorBlock: number, depth: number }) => void | Promise<void>> = []
  const repos = await anchoredRepositories(t, 'roots', [], { epoch: 0, block: 6, followed: FOLLOWED })
  const member = MEMBERS[0] as typeof MEMBERS[number]
  const gossip = createMemoryGossipBus().join()
  await gossip.start()
  const service = createRewardsService({ chainId: CHAIN_ID, registry: REGISTRY, postTurnMs: 5000, pollIntervalMs: 60_000, params: PARAMS }, {
    self: member.address, operator: member.wallet, chain, stakes, gossip, repos, logger: pino({ level: 'silent' }), now: () => 1_000_000,
    follower: { ...follower, onReorg: (listener) => { reorgs.push(listener); return () => {} } }
  })
  await service.start()
  t.teardown(async () => { await service.stop() })
  await service.tick()
  const first = reads
  t.ok(first >= 1, 'read at the first pass')
  await service.tick()
  await service.tick()
  t.equal(reads, first, 'not again at the same head')
  head++
  await service.tick()
  t.equal(reads, first + 1, 'again at a new block')
  for (const listener of reorgs) await listener({ ancestorBlock: FOLLOWED - 1, depth: 1 })
  await service.tick()
  t.equal(reads, first + 2, 'and after a reorg, at the same head')
})
