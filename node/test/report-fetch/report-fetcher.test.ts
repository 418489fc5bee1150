// Report fetch over real libp2p hosts: a lying peer (a tampered verdict, another job's report, the same
// job's other valid report that is not the anchored one, a report for another deployment, an oversize
// frame, garbage) is refused by code and benched, and the next, honest peer's report is taken; a slow
// peer times out; the server holds each peer to its budget and answers hostile requests bad-request.
import tap from 'tap'
import pino from 'pino'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { readFrame, writeFrame } from '../../src/report-fetch/report-stream.ts'
import { createReportFetcher } from '../../src/report-fetch/report-fetcher.ts'
import { decodeResponse, encodeFrame, encodeRequest, MAX_REPORT_BYTES, REPORT_PROTOCOL } from '../../src/report-fetch/report-wire.ts'
import { chainView, connect, copy, proposalOf, rewardedReport, slotOf, startHost, startRawPeer, startServer } from './fetch-world.ts'
import { MEMBERS } from '../fixtures/signed-reports.ts'
import type { Test } from 'tap'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'

const [one, two, three] = await Promise.all(['one', 'two', 'three'].map(async (l, i) => await rewardedReport(l, i))) as [Report, Report, Report]
// epoch 3 anchors one, two and three; epoch 4 anchors another job
const anchored = await proposalOf(3, [one, two, three])
const elsewhere = await rewardedReport('elsewhere', 3)
// the same job as `two`, finalized by another quorum (members 0, 1, 3): valid under the chain, but not the anchored leaf
const otherQuorum = await finalReportOfSameJob(two)
const slot = slotOf(anchored, two.jobId)
const byId = (reports: Report[]) => (jobId: Hex): Report | undefined => reports.find((r) => r.jobId === jobId)

async function finalReportOfSameJob (report: Report): Promise<Report> {
  const { finalReport } = await import('../fixtures/signed-reports.ts')
  const { maliciousResults } = await import('../fixtures/rewarded-reports.ts')
  return await finalReport(report.job, { signers: [MEMBERS[0], MEMBERS[1], MEMBERS[3]] as typeof MEMBERS, results: () => maliciousResults('family-two') })
}

async function counts (metrics: ReturnType<typeof createNodeMetrics>): Promise<Record<string, number>> {
  const m = await metrics.reportFetch.fetches.get()
  return Object.fromEntries(m.values.map((v) => [String(v.labels.outcome), v.value]))
}

/** a fetching host connected to `peers` in order, and its fetcher */
async function fetcherTo (t: Test, peers: VirusmapLibp2p[], timeoutMs = 5000) {
  const host = await startHost(t)
  for (const p of peers) await connect(host, p)
  const metrics = createNodeMetrics()
  // the refusal codes, from the warn lines the fetcher writes about liars
  const codes: string[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { codes.push(String((JSON.parse(line) as { code?: string }).code)) } })
  const fetcher = createReportFetcher({ timeoutMs }, { libp2p: host, chain: chainView, logger, metrics: metrics.reportFetch })
  return { host, fetcher, metrics, codes }
}

const tampered = copy(two)
;(tampered.verdicts[0] as Report['verdicts'][number]).verdict.results[0] = { ...tampered.verdicts[0]?.verdict.results[0], category: 'undetected', result: '' } as never
const foreign = { ...copy(two), registry: `0x${'99'.repeat(20)}` as Hex }

const lies: Array<{ name: string, code: string, start: (t: Test) => Promise<VirusmapLibp2p> }> = [
  { name: 'a tampered verdict', code: 'INVALID_REPORT', start: async (t) => await startServer(t, () => tampered) },
  { name: 'another job\'s report', code: 'WRONG_JOB', start: async (t) => await startServer(t, () => elsewhere) },
  { name: 'the same job\'s report by another quorum, not the anchored one', code: 'NOT_ANCHORED_LEAF', start: async (t) => await startServer(t, () => otherQuorum) },
  { name: 'a report of another deployment', code: 'WRONG_DEPLOYMENT', start: async (t) => await startServer(t, () => foreign) },
  { name: 'an oversize frame', code: 'OVERSIZE', start: async (t) => await startRawPeer(t, Uint8Array.of(0x80, 0x80, 0x80, 0x7f)) },
  { name: 'garbage', code: 'BAD_JSON', start: async (t) => await startRawPeer(t, encodeFrame(Uint8Array.of(0, 0x7b, 0x7b))) },
  { name: 'a truncated answer', code: 'TRUNCATED', start: async (t) => await startRawPeer(t, Uint8Array.of(10, 0, 1, 2)) }
]

for (const lie of lies) {
  tap.test(`a peer serving ${lie.name} is refused (${lie.code}) and benched; the next honest peer's report is stored`, async (t) => {
    const liar = await lie.start(t)
    const honest = await startServer(t, byId([one, two, three]))
    const { fetcher, metrics, codes } = await fetcherTo(t, [liar, honest])
    t.equal(fetcher.score(liar.peerId.toString()), 0)
    const got = await fetcher.fetch(slot)
    t.same(got, two, 'the honest peer\'s report, the anchored one')
    t.same(await counts(metrics), { rejected: 1, fetched: 1 }, 'the liar asked first and refused, the honest peer next')
    t.same(codes, [lie.code], 'refused by its code')
    t.equal(fetcher.score(liar.peerId.toString()), -10, 'the liar scored down')
    t.equal(fetcher.score(honest.peerId.toString()), 1)
    // benched: the next fetch does not ask it
    t.same(await fetcher.fetch(slot), two)
    t.same(await counts(metrics), { rejected: 1, fetched: 2 }, 'the liar not asked again')
  })
}

tap.test('the rejection codes are the checks\' own', async (t) => {
  const { checkFetchedReport, FetchedReportError } = await import('../../src/report-fetch/report-check.ts')
  const codeOf = (value: unknown): string => {
    try {
      checkFetchedReport(value, slot, chainView)
      return 'accepted'
    } catch (err) {
      return err instanceof FetchedReportError ? err.code : `not a fetch error: ${String(err)}`
    }
  }
  t.equal(codeOf(two), 'accepted')
  t.equal(codeOf(tampered), 'INVALID_REPORT')
  t.equal(codeOf(elsewhere), 'WRONG_JOB')
  t.equal(codeOf(otherQuorum), 'NOT_ANCHORED_LEAF')
  t.equal(codeOf(foreign), 'WRONG_DEPLOYMENT')
  t.equal(codeOf({ ...copy(two), job: { ...copy(two.job), job: { ...two.job.job, membershipBlock: 31 } } }), 'UNFOLLOWED_BLOCK', 'a block past the followed one')
  t.equal(codeOf({ ...copy(two), stats: { ...two.stats, malicious: 99 } }), 'INVALID_REPORT', 'a derived field changed')
  t.equal(codeOf({ ...copy(two), members: two.members.slice(0, 3), memberCount: 3 }), 'INVALID_REPORT', 'fewer members than the chain has')
  for (const hostile of [{}, { jobId: two.jobId }, { jobId: two.jobId, chainId: two.chainId, registry: two.registry, job: 'x' }, { ...copy(two), commitments: 'x' }, { ...copy(two), verdicts: [1] }, { ...copy(two), job: { job: { membershipBlock: 7 } } }]) {
    t.match(codeOf(hostile), /^(WRONG_JOB|WRONG_DEPLOYMENT|UNFOLLOWED_BLOCK|INVALID_REPORT)$/, `hostile shape refused by code: ${JSON.stringify(hostile).slice(0, 60)}`)
  }
})

tap.test('a silent peer times out and the next is asked; no peer with it: undefined', async (t) => {
  const silentPeer = await startRawPeer(t, undefined)
  const empty = await startServer(t, () => undefined)
  const honest = await startServer(t, byId([two]))
  const { fetcher, metrics } = await fetcherTo(t, [silentPeer, empty, honest], 400)
  const started = Date.now()
  t.same(await fetcher.fetch(slot), two)
  t.ok(Date.now() - started < 4000, 'the silent peer held the fetch about its timeout only')
  t.same(await counts(metrics), { unreachable: 1, 'not-found': 1, fetched: 1 })
  t.equal(fetcher.score(silentPeer.peerId.toString()), 0, 'a slow peer is not a liar')

  const lonely = await fetcherTo(t, [empty])
  t.equal(await lonely.fetcher.fetch(slot), undefined, 'nobody holds it')
  const alone = await fetcherTo(t, [])
  t.equal(await alone.fetcher.fetch(slot), undefined)
  t.same(await counts(alone.metrics), { 'no-peer': 1 })
  const controller = new AbortController()
  controller.abort(new Error('stopping'))
  await t.rejects(lonely.fetcher.fetch(slot, { signal: controller.signal }), /stopping/, 'a caller\'s abort ends the fetch')
})

tap.test('the server: a peer over its budget is answered rate-limited; hostile requests bad-request', async (t) => {
  const metrics = createNodeMetrics()
  const server = await startServer(t, byId([two]), { requestsPerMinute: 6 }, metrics.reportFetch)
  const client = await startHost(t)
  await connect(client, server)
  const ask = async (bytes: Uint8Array): Promise<unknown> => {
    const stream = await client.dialProtocol(server.peerId, REPORT_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    await writeFrame(stream, bytes)
    return decodeResponse(await readFrame(stream, MAX_REPORT_BYTES))
  }
  t.same(await ask(encodeFrame(new Uint8Array(31))), { status: 'bad-request' }, 'a short jobId')
  t.same(await ask(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x01)), { status: 'bad-request' }, 'an overlong prefix')
  t.same(await ask(encodeFrame(new Uint8Array(4096))), { status: 'bad-request' }, 'an oversize request')
  t.same(await ask(Uint8Array.of(40, 1, 2)), { status: 'bad-request' }, 'a truncated request')
  t.same(await ask(encodeRequest(two.jobId)), { status: 'found', report: JSON.parse(JSON.stringify(two)) as unknown })
  t.same(await ask(encodeRequest(one.jobId)), { status: 'not-found' })
  t.same(await ask(encodeRequest(two.jobId)), { status: 'rate-limited' }, 'the seventh request in the minute, malformed ones counted')
  const served = await metrics.reportFetch.served.get()
  t.same(Object.fromEntries(served.values.map((v) => [String(v.labels.outcome), v.value])), { 'bad-request': 4, found: 1, 'not-found': 1, 'rate-limited': 1 })
})
