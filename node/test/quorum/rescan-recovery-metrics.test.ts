/**
 * A final job taken back at a restart because its origin still owes its rescan (job-recovery.ts) is final
 * again from its stored messages, not newly final: the restarted process must not count it in
 * virusmap_quorum_reports_completed_total or virusmap_quorum_latency_seconds a second time. Only the
 * rescan's report, which this process did see reach quorum, counts.
 */
import { createHash } from 'node:crypto'
import tap from 'tap'
import { Wallet } from 'ethers'
import { signSubmission } from '#protocol/index.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { needsRescan } from '../../src/quorum/rescan-check.ts'
import { CHAIN_ID, memoryCoordinators, REGISTRY, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { detectingEngine, gate, gatedEngine } from '../fixtures/test-engines.ts'
import type { Hex } from '#protocol/index.ts'
import type { NodeMetrics } from '../../src/metrics/registry.ts'

// rescan.test.ts's windows: a 500 ms scan budget, then 1 s to commit; members reveal and attest as soon as all
// have, so the short reveal and attestation windows only bring the job's end (when its origin publishes the
// rescan it owes) to 3.1 s after it starts
const parameters = { commitWindowMs: 1500n, revealWindowMs: 300n, minRevealWindowMs: 300n, clockSkewMs: 500n, attestWindowMs: 300n }
const finder = new Wallet(`0x${'0b'.repeat(32)}`)

const counted = async (metrics: NodeMetrics): Promise<{ completed: number, latencies: number }> => {
  const completed = (await metrics.quorum.reportsCompleted.get()).values[0]?.value ?? 0
  const latencies = (await metrics.quorum.quorumLatency.get()).values.find((v) => v.metricName === 'virusmap_quorum_latency_seconds_count')?.value ?? 0
  return { completed, latencies }
}

tap.test('a restarted origin does not count a reloaded final job owed a rescan as a new report', async (t) => {
  const load = gate()
  /** each start of node 0 counts into a new registry, as a restarted process does */
  const origin: NodeMetrics[] = []
  const net = await memoryCoordinators(t, {
    parameters,
    // the YARA-like engine is starved until the restart: it times out, so the first report owes a rescan
    engines: () => [detectingEngine('Test-Heuristics', 'heur.powershell.download'), gatedEngine(detectingEngine('Test-Yara', 'ps.downloader'), load.opened)],
    metrics: (i) => {
      if (i !== 0) return undefined
      const metrics = createNodeMetrics()
      origin.push(metrics)
      return metrics.quorum
    }
  })
  const text = 'a downloader whose origin restarts before its rescan'
  const sha256 = `0x${createHash('sha256').update(text).digest('hex')}` as Hex
  const submittedAt = Date.now()
  const signature = await signSubmission({ kind: 'file', sha256, context: '', submittedAt }, CHAIN_ID, REGISTRY, finder)
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf(text), { submission: { sha256, context: '', submitter: finder.address.toLowerCase() as Hex, submittedAt, signature } })
  const first = await until('the origin stored the first report', async () => (await net.repos[0]?.jobs.get(analysisId))?.status === 'reported' ? await net.repos[0]?.reports.get(analysisId) : undefined)
  t.equal(needsRescan(first), true, 'engine timeouts left it unconfirmed: the origin owes a rescan')
  t.same(await counted(origin[0] as NodeMetrics), { completed: 1, latencies: 1 }, 'the first process counted the first report once')

  await net.stop(0)
  load.open()
  await net.start(0)
  const rescanId = await until('the restarted origin published the rescan', async () => (await net.repos[0]?.jobs.get(analysisId))?.rescannedBy)
  await until('the restarted origin stored the rescan\'s report', async () => (await net.repos[0]?.jobs.get(rescanId))?.status === 'reported' ? true : undefined)
  t.equal(origin.length, 2, 'the restart counts into its own registry')
  t.same(await counted(origin[1] as NodeMetrics), { completed: 1, latencies: 1 }, 'the restarted process counts the rescan\'s report only, not the reloaded first one again')
})
