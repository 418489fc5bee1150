import tap from 'tap'
import { runRealNetwork } from '../src/real/real-run.ts'

tap.test('four real gossip stacks over the memory transport: every message delivered, every member reports', async (t) => {
  const r = await runRealNetwork({ members: 4, jobs: 1, seed: 1, engineMs: 10, latencyMs: 1, degree: 3, spacingMs: 0 })
  t.equal(r.reportsFinal, 4)
  t.equal(r.deliveryRatio, 1)
  t.equal(r.messagesPerJob, 13)
  t.ok(r.bytesPerMemberPerJob > 0)
  t.ok(r.reportLatencyMs.count === 4)
})
