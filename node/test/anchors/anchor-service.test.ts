// The anchor service on four in-process members (real repositories, the protocol's codec on a memory
// gossip bus, a chain that checks the EpochRoot signatures as ReportAnchors does): the epoch's first
// proposer lists the reports, members sign, the proposer posts, every member records each job's proof.
import tap from 'tap'
import pino from 'pino'
import type { AbortOptions } from '@libp2p/interface'
import { epochTree, leafOf, quorumThreshold, recoverEpochRootSigner, signAnchorProposal, treeLeaves, verifyAnchorProof } from '#protocol/index.ts'
import { createAnchorService } from '../../src/anchors/anchor-service.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createMemoryGossipBus, staticFollower } from '../fixtures/memory-network.ts'
import { CHAIN_ID, MEMBERS, REGISTRY, signedReport } from '../fixtures/signed-reports.ts'
import type { AnchorChain, EpochAnchoredEvent } from '../../src/anchors/ports.ts'
import type { AnchorService, AnchorServiceComponents } from '../../src/anchors/anchor-service.ts'
import type { Test } from 'tap'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { ReorgListener } from '../../src/chain/registry-follower.ts'

const E = 5
// followed up to block 10: epoch 1 (blocks 5 to 9, the fixtures' jobs are at block 7) is the latest ended
const HEAD = 10
const now = (): number => 1_000_000

tap.test('four members anchor an epoch; a member without one of the reports does not sign, the quorum still does', async (t) => {
  const bus = createMemoryGossipBus()
  const reorgListeners: ReorgListener[] = []
  // the chain's head: an anchor transaction is mined in a block of its own
  let head = HEAD
  // the registry follower follows each new block (confirmations 0): the service reads anchors no deeper
  const follower = {
    ...staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), { followedBlock: HEAD }),
    get followedBlock () { return head },
    onReorg: (listener: ReorgListener) => { reorgListeners.push(listener); return () => {} }
  }
  const reports: Report[] = await Promise.all(['one', 'two', 'three'].map(async (s) => await signedReport(new TextEncoder().encode(s))))
  const chainState: EpochAnchoredEvent[] = []
  let posts = 0
  // ReportAnchors' checks in memory: signers recovered, strictly ascending, members, a quorum; one root per epoch
  const chainFor = (): AnchorChain => ({
    epochBlocks: async () => E,
    head: async () => head,
    blockTime: async (block) => (block <= head ? now() : undefined),
    anchored: async (epoch) => chainState.some((e) => e.epoch === epoch),
    events: async (from, to) => chainState.filter((e) => e.block >= from && e.block <= to),
    post: async (epoch, root, leafCount, signatures) => {
      posts++
      if (chainState.some((e) => e.epoch === epoch)) return { posted: false, reason: 'ALREADY_ANCHORED' }
      const members = MEMBERS.map((m) => m.address)
      const signers = signatures.map((s) => recoverEpochRootSigner({ epoch, root, leafCount }, s, CHAIN_ID, REGISTRY))
      if (signers.some((s, i) => !members.includes(s) || (i > 0 && s <= (signers[i - 1] as Hex)))) throw new Error('ReportAnchorsSignersNotAscending')
      if (signers.length < quorumThreshold(members.length)) throw new Error('ReportAnchorsNoQuorum')
      const tx = `0x${String(chainState.length + 1).padStart(64, '0')}` as Hex
      head++
      chainState.push({ epoch, root, leafCount, submitter: members[0] as Hex, block: head, tx })
      return { posted: true, tx, block: head }
    }
  })
  const nodes: Array<{ service: AnchorService, repos: Repositories, metrics: ReturnType<typeof createNodeMetrics> }> = []
  for (const [i, member] of MEMBERS.entries()) {
    const db = await openDatabase({ path: t.testdir() + `/node-${i}` })
    t.teardown(async () => { await db.close() })
    const repos = createRepositories(db)
    // the last member missed the third job's messages: it holds two of the three reports
    for (const report of i === 3 ? reports.slice(0, 2) : reports) await repos.reports.put(report)
    const gossip = bus.join()
    const metrics = createNodeMetrics()
    const service = createAnchorService({ chainId: CHAIN_ID, registry: REGISTRY, anchorTurnMs: 5000, pollIntervalMs: 60_000, confirmations: 0, fromBlock: 0 }, {
      self: member.address, operator: member.wallet, chain: chainFor(), follower, gossip, repos, logger: pino({ level: process.env.ANCHOR_TEST_LOG ?? 'silent' }), metrics: metrics.anchors, now
    })
    await gossip.start()
    nodes.push({ service, repos, metrics })
  }
  for (const n of nodes) await n.service.start()
  t.teardown(async () => { for (const n of nodes) await n.service.stop() })

  // every member's first tick: only rank 0 of epoch 1 (MEMBERS[1], rotated by one) has a turn at once
  for (let i = 0; i < 50 && chainState.length === 0; i++) {
    for (const n of nodes) await n.service.tick()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.equal(chainState.length, 1, 'one epoch anchored')
  const anchored = chainState[0] as EpochAnchoredEvent
  t.equal(anchored.epoch, 1, 'the epoch of the jobs\' block (7, with E = 5)')
  t.equal(anchored.leafCount, 3)
  t.equal(posts, 1, 'the proposer posted once it held a quorum; nobody raced it')
  const refused = await nodes[3]?.metrics.registry.getSingleMetricAsString('virusmap_anchors_refused_total')
  t.match(refused, /code="MISSING_REPORT"} 1/, 'the member without the third report did not sign')

  for (const n of nodes) await n.service.tick()
  for (const [i, n] of nodes.entries()) {
    t.equal((await n.repos.anchors.epoch(1))?.root, anchored.root, `node ${i} recorded the anchor`)
    for (const [j, report] of reports.entries()) {
      const at = await n.repos.anchors.jobAnchor(report.jobId)
      if (i === 3 && j === 2) {
        t.equal(at, undefined, 'node 3 has no proof of the report it lacks')
        continue
      }
      t.equal(at?.epoch, 1)
      // node 3 too: the proposal's leaves prove the reports it holds without the one it missed
      t.ok(verifyAnchorProof(anchored.root, leafOf(report), at?.proof ?? []), `node ${i}: the proof leads from the leaf to the anchored root`)
    }
  }
  t.same((await nodes[3]?.repos.anchors.epoch(1))?.missing, [reports[2]?.jobId.toLowerCase()], 'node 3 keeps the job it lacks as missing')
  // the missing report arrives (a restart's recovery, a late assembly): the next tick proves it
  await nodes[3]?.repos.reports.put(reports[2] as Report)
  await nodes[3]?.service.tick()
  const late = await nodes[3]?.repos.anchors.jobAnchor(reports[2]?.jobId as Hex)
  t.ok(verifyAnchorProof(anchored.root, leafOf(reports[2] as Report), late?.proof ?? []), 'node 3 proves the third report once it holds it')
  t.same((await nodes[3]?.repos.anchors.epoch(1))?.missing, [], 'and nothing is missing any more')
  t.same(bus.refused, [], 'no anchor message was refused by the validators')

  // a reorg takes the anchor's block back: the anchor is forgotten, then read again once mined in a later block
  const taken = chainState.splice(0)
  for (const listener of reorgListeners) await listener({ ancestorBlock: HEAD, depth: 1 })
  for (const n of nodes) await n.service.tick()
  t.equal(await nodes[0]?.repos.anchors.epoch(1), undefined, 'the anchor is forgotten')
  t.equal(await nodes[0]?.repos.anchors.jobAnchor(reports[0]?.jobId as Hex), undefined, 'and its jobs are pending again')
  head++
  chainState.push(...taken.map((e) => ({ ...e, block: head })))
  for (const n of nodes) await n.service.tick()
  t.equal((await nodes[0]?.repos.anchors.epoch(1))?.root, anchored.root, 'the anchor mined again is recorded again')
  t.ok(await nodes[0]?.repos.anchors.jobAnchor(reports[0]?.jobId as Hex), 'with its jobs\' proofs')
})

interface OneMember {
  bus: ReturnType<typeof createMemoryGossipBus>
  metrics: ReturnType<typeof createNodeMetrics>
  repos: Repositories
  service: AnchorService
  reports: Report[]
  /** another member proposes `epoch`'s root over the reports; `jobIds`: it signs that list under the same root and leaves instead */
  propose: (epoch: number, jobIds?: Hex[]) => Promise<void>
  /** the chain shows `epoch` anchored with the reports' root from now on */
  anchor: (epoch: number) => void
  /** the block times the service asked the chain for so far */
  readonly blockTimes: number
}

/**
 * One member's anchor service over its own database holding `subjects`' reports, following `follower`, on a
 * chain that takes no anchor; another member proposes. The member is the lowest address: rank 0 of epochs
 * 0, 4, 8…, so with the clock standing still it never proposes epoch 1 or 2 itself.
 */
async function oneMember (t: Test, follower: AnchorServiceComponents['follower'], subjects: string[]): Promise<OneMember> {
  const reports: Report[] = await Promise.all(subjects.map(async (s) => await signedReport(new TextEncoder().encode(s))))
  const tree = epochTree(reports)
  const anchors: EpochAnchoredEvent[] = []
  let blockTimes = 0
  // the registry follower follows each anchor's block (confirmations 0): the service reads anchors no deeper
  const following: AnchorServiceComponents['follower'] = {
    get followedBlock () { return follower.followedBlock + anchors.length },
    isMemberAt: (m, b) => follower.isMemberAt(m, b),
    membersAt: (b) => follower.membersAt(b),
    parameterAt: (name, b) => follower.parameterAt(name, b),
    onReorg: (listener) => follower.onReorg(listener),
    waitFor: async (b, options) => { await follower.waitFor(b, options) }
  }
  const chain: AnchorChain = {
    epochBlocks: async () => E,
    // each anchor is mined in a block of its own, past what the service has read
    head: async () => following.followedBlock,
    blockTime: async () => { blockTimes++; return now() },
    anchored: async (epoch) => anchors.some((e) => e.epoch === epoch),
    events: async (from, to) => anchors.filter((e) => e.block >= from && e.block <= to),
    post: async () => { throw new Error('this chain takes no anchor') }
  }
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(async () => { await db.close() })
  const repos = createRepositories(db)
  for (const report of reports) await repos.reports.put(report)
  const bus = createMemoryGossipBus()
  const gossip = bus.join()
  const proposer = bus.join()
  const metrics = createNodeMetrics()
  const member = MEMBERS.toSorted((x, y) => (x.address < y.address ? -1 : 1))[0] as typeof MEMBERS[number]
  const service = createAnchorService({ chainId: CHAIN_ID, registry: REGISTRY, anchorTurnMs: 5000, pollIntervalMs: 60_000, confirmations: 0, fromBlock: 0 }, {
    self: member.address, operator: member.wallet, chain, follower: following, gossip, repos, logger: pino({ level: 'silent' }), metrics: metrics.anchors, now
  })
  await gossip.start()
  await proposer.start()
  await service.start()
  t.teardown(async () => { await service.stop() })
  const propose = async (epoch: number, listed?: Hex[]): Promise<void> => {
    const jobIds = listed ?? reports.map((r) => r.jobId.toLowerCase() as Hex).toSorted()
    const proposed = { epoch, root: tree.root as Hex, leafCount: jobIds.length, jobIds }
    const wallet = MEMBERS.find((m) => m !== member) as typeof MEMBERS[number]
    await proposer.publish('anchors', { type: 'anchor-proposal', proposer: wallet.address, ...proposed, leaves: treeLeaves(tree), signature: await signAnchorProposal(proposed, CHAIN_ID, REGISTRY, wallet.wallet) })
  }
  const anchor = (epoch: number): void => {
    anchors.push({ epoch, root: tree.root as Hex, leafCount: reports.length, submitter: MEMBERS[1]?.address as Hex, block: follower.followedBlock + anchors.length + 1, tx: `0x${'ab'.repeat(32)}` })
  }
  return { bus, metrics, repos, service, reports, propose, anchor, get blockTimes () { return blockTimes } }
}

tap.test('a member that signed a job into one epoch\'s root signs no other epoch\'s root with it while the first may still be anchored', async (t) => {
  // followed to block 15: epochs 1 and 2 are over, nothing anchored (the chain takes no post); the jobs at block 7 are eligible for both
  const follower = staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), { followedBlock: 15 })
  const { bus, metrics, propose: publish } = await oneMember(t, follower, ['four', 'five'])
  const counter = async (name: string): Promise<string> => await metrics.registry.getSingleMetricAsString(name)
  const seen = async (): Promise<string> => await counter('virusmap_anchors_signed_total') + await counter('virusmap_anchors_refused_total')
  const propose = async (epoch: number): Promise<void> => {
    const before = await seen()
    await publish(epoch)
    for (let i = 0; i < 100 && await seen() === before; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await propose(1)
  t.match(await counter('virusmap_anchors_signed_total'), / 1$/m, 'epoch 1\'s root signed')
  await propose(2)
  t.match(await counter('virusmap_anchors_refused_total'), /code="SIGNED_ELSEWHERE"} 1/, 'the same jobs in epoch 2 are refused while epoch 1 may still be anchored')
  t.same(bus.refused, [], 'both proposals passed the validators')
})

tap.test('a member behind on the chain waits for an epoch\'s last block, at most one epoch ahead, and takes the proposal then (SPEC 6)', async (t) => {
  const shared = staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), { followedBlock: 15 })
  // followed to block 14 until caughtUp: epoch 2 (blocks 10 to 14) is over only once block 15 is followed
  const { promise: caughtUp, resolve: catchUp } = Promise.withResolvers<void>()
  let block = 14
  void caughtUp.then(() => { block = 15 })
  const follower = {
    ...shared,
    get followedBlock () { return block },
    async waitFor (at: number, options: AbortOptions = {}) {
      if (at <= block) return
      await Promise.race([caughtUp, new Promise((_resolve, reject) => { options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true }) })])
    }
  }
  const { bus, metrics, propose } = await oneMember(t, follower, ['six', 'seven'])
  const signed = async (): Promise<string> => await metrics.registry.getSingleMetricAsString('virusmap_anchors_signed_total')
  await propose(4)
  await propose(2)
  for (let i = 0; i < 100 && !bus.refused.includes('FUTURE_EPOCH'); i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.same(bus.refused, ['FUTURE_EPOCH'], 'epoch 4 ends two epochs ahead: ignored at once')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.notMatch(await signed(), / 1$/m, 'epoch 2 waits while its last block is not followed')
  catchUp()
  for (let i = 0; i < 100 && !/ 1$/m.test(await signed()); i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.match(await signed(), / 1$/m, 'and is signed once it is')
  t.same(bus.refused, ['FUTURE_EPOCH'], 'nothing else was refused')
})

tap.test('a proposal listing other jobs under a root it does not build neither replaces the one that builds it nor stalls the anchored epoch', async (t) => {
  const follower = staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), { followedBlock: 10 })
  const m = await oneMember(t, follower, ['eight', 'nine'])
  const conflicts = async (): Promise<string> => await m.metrics.registry.getSingleMetricAsString('virusmap_anchors_proposal_conflicts_total')
  const settled = async (before: string): Promise<void> => {
    for (let i = 0; i < 100 && await conflicts() === before && (await m.repos.anchors.proposals(1)).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  // jobs nobody holds, signed by a member under the honest root and leaves: it arrives first
  const forged = [`0x${'01'.repeat(32)}`, `0x${'02'.repeat(32)}`] as Hex[]
  await m.propose(1, forged)
  await settled(await conflicts())
  const before = await conflicts()
  await m.propose(1)
  for (let i = 0; i < 100 && await conflicts() === before; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.match(await conflicts(), / 1$/m, 'two lists under one root are counted')
  const honest = m.reports.map((r) => r.jobId.toLowerCase()).toSorted()
  t.same((await m.repos.anchors.proposal(1, epochTree(m.reports).root as Hex))?.jobIds, honest, 'the list whose reports build the root is kept')
  // the forged list again, later: the verified one stays
  await m.propose(1, forged)
  for (let i = 0; i < 100 && !/ 2$/m.test(await conflicts()); i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.same((await m.repos.anchors.proposal(1, epochTree(m.reports).root as Hex))?.jobIds, honest)
  m.anchor(1)
  await m.service.tick()
  const record = await m.repos.anchors.epoch(1)
  t.same(record?.jobIds, honest, 'the anchored epoch is matched to the jobs its root holds')
  t.same(record?.missing, [], 'nothing to ask peers for')
  for (const report of m.reports) t.ok(verifyAnchorProof(record?.root as Hex, leafOf(report), (await m.repos.anchors.jobAnchor(report.jobId))?.proof ?? []), 'each report proven')
})

tap.test('the time an epoch ended on chain is read once, not at every pass', async (t) => {
  // followed to block 15: epochs 0, 1 and 2 are over, none anchored
  const follower = staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), { followedBlock: 15 })
  const m = await oneMember(t, follower, ['ten'])
  await m.service.tick()
  const first = m.blockTimes
  t.equal(first, 3, 'one block time an ended epoch')
  for (let i = 0; i < 3; i++) await m.service.tick()
  t.equal(m.blockTimes, first, 'none read again')
})
