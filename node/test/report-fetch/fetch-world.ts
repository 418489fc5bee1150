/**
 * A world for the report fetch tests: real libp2p hosts (the supernode's own, tcp on loopback), the
 * rewarded reports of one anchored epoch with the proposal whose leaves build its root, a follower that
 * knows the fixtures' members and engines, and peers that lie in each way a peer can.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import pino from 'pino'
import { epochTree, signAnchorProposal, signSubmission, treeLeaves } from '#protocol/index.ts'
import { createLibp2pNode } from '../../src/network/libp2p-node.ts'
import { createReportServer } from '../../src/report-fetch/report-server.ts'
import { REPORT_PROTOCOL } from '../../src/report-fetch/report-wire.ts'
import { staticFollower } from '../fixtures/memory-network.ts'
import { maliciousResults, submitterWallet } from '../fixtures/rewarded-reports.ts'
import { CHAIN_ID, ENGINES, finalReport, hashes, MEMBERS, NOW, REGISTRY, signedJob } from '../fixtures/signed-reports.ts'
import type { Test } from 'tap'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { AnchorChain } from '../../src/anchors/ports.ts'
import type { StoredAnchorProposal } from '../../src/db/anchor-repository.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'
import type { ReportFetchMetrics } from '../../src/metrics/registry.ts'
import type { AnchoredSlot } from '../../src/report-fetch/report-check.ts'

export const E = 5
export const FOLLOWED = 30
export const follower = staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), {
  followedBlock: FOLLOWED, engines: ENGINES, parameters: { maxJobAgeBlocks: 16n, quorumFaultDivisor: 3n, rewardBudgetPerEpoch: 10_000n * 10n ** 18n }
})
export const chainView = { chainId: CHAIN_ID, registry: REGISTRY, follower }

/**
 * A world whose rewards can be paid: the jobs are anchored in epoch 1 (epoch 0 starts at block 0, before any
 * member); followed to block 35 with maxJobAgeBlocks 16, epoch 2 is final (no anchor after block 31) and
 * pays epoch 1's reports.
 */
export const PAID_FOLLOWED = 35
export const ANCHORED = 1
export const PAYING = 2
export const paidFollower = staticFollower(MEMBERS.map((m) => ({ operator: m.address, peerId: '', x25519Key: '0x' as Hex, metadataURI: '' })), {
  followedBlock: PAID_FOLLOWED, engines: ENGINES, parameters: { maxJobAgeBlocks: 16n, quorumFaultDivisor: 3n, rewardBudgetPerEpoch: 10_000n * 10n ** 18n }
})
export const paidChainView = { chainId: CHAIN_ID, registry: REGISTRY, follower: paidFollower }

/** ReportAnchors with epoch 1 anchored at block 11 under `root`; no turns are taken (no block times) */
export function anchoredChain (root: Hex, leafCount: number): AnchorChain {
  const event = { epoch: ANCHORED, root, leafCount, submitter: (MEMBERS[0] as typeof MEMBERS[number]).address, block: 11, tx: `0x${'cd'.repeat(32)}` as Hex }
  return {
    epochBlocks: async () => E,
    head: async () => PAID_FOLLOWED,
    blockTime: async () => undefined,
    anchored: async (epoch) => epoch === ANCHORED,
    events: async (from, to) => (event.block >= from && event.block <= to ? [event] : []),
    post: async () => { throw new Error('not used') }
  }
}
export const silent = pino({ level: process.env.FETCH_TEST_LOG ?? 'silent' })

/** `submitter`'s signed job for `label`, confirmed malicious by `signers` (default the first three members) */
export async function rewardedReport (label: string, submitter = 0, signers = MEMBERS.slice(0, 3)): Promise<Report> {
  const sample = hashes(new TextEncoder().encode(label))
  const wallet = submitterWallet(submitter)
  const submittedAt = NOW - 5000
  const submitterSignature = await signSubmission({ kind: 'file', sha256: sample.sha256, context: '', submittedAt }, CHAIN_ID, REGISTRY, wallet) as Hex
  const { job } = await signedJob(sample, { submission: { submitter: wallet.address.toLowerCase() as Hex, submittedAt, submitterSignature } })
  return await finalReport(job, { signers, results: () => maliciousResults(`family-${label}`) })
}

/** The proposal whose tree holds `reports` (what every member that received it stores) and its root. */
export async function proposalOf (epoch: number, reports: readonly Report[]): Promise<StoredAnchorProposal> {
  const tree = epochTree(reports)
  const jobIds = reports.map((r) => r.jobId.toLowerCase() as Hex).toSorted()
  return await signedProposal({ epoch, root: tree.root.toLowerCase() as Hex, leafCount: reports.length, jobIds, leaves: treeLeaves(tree) })
}

/** `proposed` signed by member `by` (a forged list under an honest root and its leaves, when a lying member signs one) */
export async function signedProposal (proposed: Omit<StoredAnchorProposal, 'proposer' | 'signature'>, by = 0): Promise<StoredAnchorProposal> {
  const proposer = MEMBERS[by] as typeof MEMBERS[number]
  const { epoch, root, leafCount, jobIds } = proposed
  return { ...proposed, proposer: proposer.address, signature: await signAnchorProposal({ epoch, root, leafCount, jobIds }, CHAIN_ID, REGISTRY, proposer.wallet) as Hex }
}

export function slotOf (proposal: StoredAnchorProposal, jobId: Hex): AnchoredSlot {
  return { epoch: proposal.epoch, jobId, leaves: new Set(proposal.leaves) }
}

/** A started libp2p host, stopped at teardown. */
export async function startHost (t: Test): Promise<VirusmapLibp2p> {
  const node = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listenAddrs: ['/ip4/127.0.0.1/tcp/0'] })
  await node.start()
  t.teardown(async () => { await node.stop() })
  return node
}

export async function connect (from: VirusmapLibp2p, to: VirusmapLibp2p): Promise<void> {
  await from.dial(to.getMultiaddrs()[0] as Parameters<VirusmapLibp2p['dial']>[0])
}

/** A host serving the protocols from `get` and `proposal` (a lying peer serves ones that lie). */
export async function startServer (
  t: Test, get: (jobId: Hex) => Report | undefined, opts: Parameters<typeof createReportServer>[0] = {}, metrics?: ReportFetchMetrics,
  proposal: (epoch: number, root: Hex) => StoredAnchorProposal | undefined = () => undefined
): Promise<VirusmapLibp2p> {
  const node = await startHost(t)
  const server = createReportServer(opts, {
    libp2p: node, reports: { get: async (jobId) => get(jobId) }, anchors: { proposal: async (epoch, root) => proposal(epoch, root) }, logger: silent, ...(metrics === undefined ? {} : { metrics })
  })
  await server.start()
  t.teardown(async () => { await server.stop() })
  return node
}

/** A host that answers every request with `bytes` (or never, when undefined), whatever was asked. */
export async function startRawPeer (t: Test, bytes: Uint8Array | undefined, protocol = REPORT_PROTOCOL): Promise<VirusmapLibp2p> {
  const node = await startHost(t)
  await node.handle(protocol, async (stream) => {
    if (bytes === undefined) return
    stream.send(bytes)
    await stream.close()
  })
  return node
}

/** A deep copy that may be changed. */
export const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
