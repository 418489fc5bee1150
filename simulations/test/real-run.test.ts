import tap from 'tap'
import { runJobs } from '../src/model/member-sweep.ts'
import { DEFAULT_PARAMS } from '../src/model/params.ts'
import { runRealNetwork, windowFor } from '../src/real/real-run.ts'

tap.test('four real gossip stacks over the memory transport: every message delivered, every member reports', async (t) => {
  const r = await runRealNetwork({ members: 4, jobs: 1, seed: 1, engineMs: 10, latencyMs: 1, degree: 3, spacingMs: 0 })
  t.equal(r.reportsFinal, 4)
  t.equal(r.deliveryRatio, 1)
  t.equal(r.messagesPerJob, 13)
  t.ok(r.bytesPerMemberPerJob > 0)
  t.ok(r.reportLatencyMs.count === 4)
  t.equal(r.messagesSeenPerJob, 13, 'counted: the job, 4 commitments, 4 verdicts, 4 attestations')
  t.equal(runJobs({ members: 4, seed: 1, params: DEFAULT_PARAMS, jobs: 1 }).messagesPerJob, r.messagesSeenPerJob, 'the model publishes what the real code publishes')
})

tap.test('real runs give larger networks longer windows, within the protocol\'s bounds', async (t) => {
  t.equal(windowFor(10), 20_000)
  t.equal(windowFor(50), 50_000)
  t.equal(windowFor(100), 60_000, 'the reveal window is at most 60 s (DEFAULT_JOB_BOUNDS)')
})
