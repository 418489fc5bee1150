import tap from 'tap'
import { runJobs } from '../src/model/member-sweep.ts'
import { DEFAULT_PARAMS } from '../src/model/params.ts'
import { runRealNetwork, windowFor } from '../src/real/real-run.ts'
import { simBounds, waitBoundFor } from '../src/real/member-view.ts'
import { DEFAULT_JOB_BOUNDS } from '#protocol/timing.ts'
import { DEFAULT_MAX_WAIT_MS } from '../../node/src/network/pending-validations.ts'

tap.test('four real gossip stacks over the memory transport: every message delivered, every member reports', async (t) => {
  const r = await runRealNetwork({ members: 4, jobs: 1, seed: 1, engineMs: 10, latencyMs: 1, degree: 3, spacingMs: 0 })
  t.equal(r.reportsFinal, 4)
  t.equal(r.deliveryRatio, 1)
  t.equal(r.messagesPerJob, 13)
  t.ok(r.bytesPerMemberPerJob > 0)
  t.ok(r.reportLatencyMs.count === 4)
  t.equal(r.messagesSeenPerJob, 13, 'counted: the job, 4 commitments, 4 verdicts, 4 attestations')
  const [span] = r.perJob ?? []
  t.equal(r.perJob?.length, 1, 'one span per job')
  t.equal(span?.reportLatencyMs.count, 4, 'the job\'s own reports')
  t.equal(span?.deliveries, 13 * 3, 'its 13 messages at the 3 other members')
  t.ok((span?.cpuMs ?? 0) > 0 && (span?.gcMs ?? -1) >= 0 && (span?.heapMiB ?? 0) > 0, 'CPU, GC and heap measured')
  t.equal(runJobs({ members: 4, seed: 1, params: DEFAULT_PARAMS, jobs: 1 }).messagesPerJob, r.messagesSeenPerJob, 'the model publishes what the real code publishes')
})

tap.test('real runs give larger networks longer windows, which the simulated chain allows', async (t) => {
  t.equal(windowFor(10), 20_000)
  t.equal(windowFor(50), 150_000)
  t.equal(windowFor(100), 600_000)
  const bounds = simBounds(windowFor(100))
  t.equal(bounds.maxRevealWindowMs, 600_000)
  t.equal(bounds.maxCommitWindowMs, 600_000)
  t.equal(bounds.clockSkewMs, DEFAULT_JOB_BOUNDS.clockSkewMs, 'only the windows\' maxima change')
  t.same(simBounds(20_000), DEFAULT_JOB_BOUNDS, 'short windows: the protocol\'s defaults')
  t.equal(waitBoundFor(20_000), DEFAULT_MAX_WAIT_MS, 'the node\'s wait bound')
  t.equal(waitBoundFor(600_000), 150_000, 'a quarter of a stretched window')
})
