// An anchored epoch's proposal fetched over real libp2p hosts, for a member that was down when it was
// gossiped: a peer serving another root's proposal, altered leaves or jobIds, one signed by a non-member
// or something that is no proposal is refused by code and benched; the next peer's proposal, whose leaves
// build the anchored root, is taken; fetchProposals asks every peer for the lists under a root. The server
// answers proposal requests by epoch and root.
import tap from 'tap'
import pino from 'pino'
import { signAnchorProposal } from '#protocol/index.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createReportFetcher } from '../../src/report-fetch/report-fetcher.ts'
import { readFrame, writeFrame } from '../../src/report-fetch/report-stream.ts'
import { decodeResponse, encodeFrame, encodeProposalRequest, encodeResponse, MAX_PROPOSAL_BYTES, PROPOSAL_PROTOCOL } from '../../src/report-fetch/report-wire.ts'
import { CHAIN_ID, OUTSIDER, REGISTRY } from '../fixtures/signed-reports.ts'
import { chainView, connect, copy, E, proposalOf, rewardedReport, signedProposal, startHost, startRawPeer, startServer } from './fetch-world.ts'
import type { Test } from 'tap'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { StoredAnchorProposal } from '../../src/db/anchor-repository.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'

const reports = await Promise.all(['p1', 'p2', 'p3'].map(async (l, i) => await rewardedReport(l, i))) as [Report, Report, Report]
const anchored = await proposalOf(3, reports)
const other = await proposalOf(3, reports.slice(0, 2))
const asGossip = (p: StoredAnchorProposal): Record<string, unknown> => ({ type: 'anchor-proposal', proposer: p.proposer, epoch: p.epoch, root: p.root, leafCount: p.leafCount, jobIds: p.jobIds, leaves: p.leaves, signature: p.signature })
const byRoot = (held: StoredAnchorProposal) => (epoch: number, root: Hex): StoredAnchorProposal | undefined => (epoch === held.epoch && root === held.root ? held : undefined)
const always = (served: StoredAnchorProposal) => (): StoredAnchorProposal => served

const leavesAltered = { ...copy(anchored), leaves: [...anchored.leaves.slice(0, 2), `0x${'00'.repeat(32)}` as Hex].toSorted() }
const jobIdsAltered = { ...copy(anchored), jobIds: [...anchored.jobIds.slice(0, 2), `0x${'ff'.repeat(32)}` as Hex] }
const outsiders = { ...copy(anchored), proposer: OUTSIDER.address, signature: await signAnchorProposal({ epoch: 3, root: anchored.root, leafCount: 3, jobIds: anchored.jobIds }, CHAIN_ID, REGISTRY, OUTSIDER.wallet) as Hex }

const lies: Array<{ name: string, code: string, start: (t: Test) => Promise<VirusmapLibp2p> }> = [
  { name: 'another root\'s proposal', code: 'WRONG_PROPOSAL', start: async (t) => await startServer(t, () => undefined, {}, undefined, always(other)) },
  { name: 'altered leaves', code: 'INVALID_PROPOSAL', start: async (t) => await startServer(t, () => undefined, {}, undefined, always(leavesAltered)) },
  { name: 'altered jobIds', code: 'INVALID_PROPOSAL', start: async (t) => await startServer(t, () => undefined, {}, undefined, always(jobIdsAltered)) },
  { name: 'a non-member\'s proposal', code: 'INVALID_PROPOSAL', start: async (t) => await startServer(t, () => undefined, {}, undefined, always(outsiders)) },
  { name: 'a report instead', code: 'INVALID_PROPOSAL', start: async (t) => await startRawPeer(t, encodeResponse({ status: 'found', report: reports[0] }, MAX_PROPOSAL_BYTES), PROPOSAL_PROTOCOL) },
  { name: 'an oversize frame', code: 'OVERSIZE', start: async (t) => await startRawPeer(t, Uint8Array.of(0xff, 0xff, 0x7f), PROPOSAL_PROTOCOL) }
]

for (const lie of lies) {
  tap.test(`a peer serving ${lie.name} is refused (${lie.code}); the next peer's proposal is taken`, async (t) => {
    const liar = await lie.start(t)
    const honest = await startServer(t, () => undefined, {}, undefined, byRoot(anchored))
    const host = await startHost(t)
    for (const p of [liar, honest]) await connect(host, p)
    const metrics = createNodeMetrics()
    const codes: string[] = []
    const logger = pino({ level: 'warn' }, { write: (line: string) => { codes.push(String((JSON.parse(line) as { code?: string }).code)) } })
    const fetcher = createReportFetcher({ timeoutMs: 5000 }, { libp2p: host, chain: chainView, logger, metrics: metrics.reportFetch })
    const got = await fetcher.fetchProposal({ epoch: 3, root: anchored.root }, E)
    t.same(got, asGossip(anchored), 'the proposal whose leaves build the anchored root')
    t.same(codes, [lie.code])
    t.equal(fetcher.score(liar.peerId.toString()), -10)
    const counts = Object.fromEntries((await metrics.reportFetch.fetches.get()).values.map((v) => [String(v.labels.outcome), v.value]))
    t.same(counts, { rejected: 1, fetched: 1 })
  })
}

tap.test('the server answers proposal requests by epoch and root; a malformed one bad-request', async (t) => {
  const server = await startServer(t, () => undefined, {}, undefined, byRoot(anchored))
  const client = await startHost(t)
  await connect(client, server)
  const ask = async (bytes: Uint8Array): Promise<unknown> => {
    const stream = await client.dialProtocol(server.peerId, PROPOSAL_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    await writeFrame(stream, bytes)
    return decodeResponse(await readFrame(stream, MAX_PROPOSAL_BYTES))
  }
  t.same(await ask(encodeProposalRequest(3, anchored.root)), { status: 'found', report: asGossip(anchored) })
  t.same(await ask(encodeProposalRequest(4, anchored.root)), { status: 'not-found' }, 'another epoch')
  t.same(await ask(encodeProposalRequest(3, other.root)), { status: 'not-found' }, 'another root')
  t.same(await ask(encodeFrame(new Uint8Array(39))), { status: 'bad-request' })
  t.same(await ask(encodeFrame(new Uint8Array(40).fill(0xff))), { status: 'bad-request' }, 'an epoch past 2^53')
})

tap.test('fetchProposals asks every peer, past a lying one, and returns each list under the root once', async (t) => {
  const forged = await signedProposal({ epoch: 3, root: anchored.root, leafCount: 3, jobIds: [1, 2, 3].map((k) => `0x${k.toString(16).padStart(64, '0')}` as Hex), leaves: anchored.leaves }, 1)
  const peers = [
    await startServer(t, () => undefined, {}, undefined, always(forged)),
    await startServer(t, () => undefined, {}, undefined, always(leavesAltered)),
    await startServer(t, () => undefined, {}, undefined, byRoot(anchored)),
    await startServer(t, () => undefined, {}, undefined, byRoot(anchored))
  ]
  const host = await startHost(t)
  for (const p of peers) await connect(host, p)
  const metrics = createNodeMetrics()
  const fetcher = createReportFetcher({ timeoutMs: 5000 }, { libp2p: host, chain: chainView, logger: pino({ level: 'silent' }), metrics: metrics.reportFetch })
  const lists = await fetcher.fetchProposals({ epoch: 3, root: anchored.root }, E)
  t.same(lists.map((l) => l.jobIds).toSorted(), [forged.jobIds, anchored.jobIds].toSorted(), 'the forged list and the anchored one, each once')
  const counts = Object.fromEntries((await metrics.reportFetch.fetches.get()).values.map((v) => [String(v.labels.outcome), v.value]))
  t.same(counts, { fetched: 3, rejected: 1 }, 'every peer asked; altered leaves refused')
  t.equal(fetcher.score(peers[1]?.peerId.toString() ?? ''), -10)
})
