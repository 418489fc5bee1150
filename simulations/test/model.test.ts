import tap from 'tap'
import { hasQuorum } from '#protocol/quorum.ts'
import { byzantineRun, withholdingExpectation } from '../src/model/byzantine.ts'
import { disseminate } from '../src/model/dissemination.ts'
import { tally } from '../src/model/job-model.ts'
import { runJobs } from '../src/model/member-sweep.ts'
import { DEFAULT_PARAMS } from '../src/model/params.ts'
import type { EngineCategory } from '#protocol/messages.ts'

const small = { peers: 200, seed: 7, params: DEFAULT_PARAMS, messages: 5, intervalMs: 200, warmupMs: 3000, drainMs: 5000 }

tap.test('baseline gossip reaches every peer, never before the message was sent', async (t) => {
  const r = disseminate(small)
  t.equal(r.deliveryRatio, 1)
  t.equal(r.causalityViolations, 0)
  t.ok(r.latencyMs.median > 0, 'arrivals take time')
  const jobs = runJobs({ members: 10, seed: 3, params: DEFAULT_PARAMS, jobs: 2 })
  t.equal(jobs.reportRatio, 1, 'every member reports every job')
  t.equal(jobs.causalityViolations, 0)
})

tap.test('same seed, same results; another seed, other results', async (t) => {
  t.same(JSON.stringify(disseminate(small)), JSON.stringify(disseminate(small)))
  const a = runJobs({ members: 12, seed: 5, params: DEFAULT_PARAMS, jobs: 2 })
  const b = runJobs({ members: 12, seed: 5, params: DEFAULT_PARAMS, jobs: 2 })
  t.same(a.latencyMs, b.latencyMs)
  t.not(JSON.stringify(disseminate({ ...small, seed: 8 }).latencyMs), JSON.stringify(disseminate(small).latencyMs))
})

tap.test('withholding members: a report exactly when the protocol quorum holds, past n/3 too', async (t) => {
  const n = 13
  for (const f of [0, 4, 5, 7]) {
    const row = byzantineRun(n, f, 'withhold', 1, DEFAULT_PARAMS, 1)
    const expected = withholdingExpectation(n, f)
    t.equal(expected, hasQuorum(n - f, n) ? 'report' : 'none')
    t.equal(row.wrong, 0, `f=${f}: never a wrong report`)
    t.equal(row.correct, expected === 'report' ? 1 : 0, `f=${f}: ${expected}`)
  }
})

tap.test('wrong verdicts: the network outcome is the protocol tally over all verdicts', async (t) => {
  const n = 13
  for (const f of [4, 6, 7, 9]) {
    const row = byzantineRun(n, f, 'wrong', 1, DEFAULT_PARAMS, 1)
    const all: Array<[number, EngineCategory]> = Array.from({ length: n }, (_, m) => [m, m < f ? 'undetected' : 'malicious'])
    const expected = tally(all, n)
    t.equal(expected === 'malicious' ? row.correct : row.wrong, 1, `f=${f}: every honest member reports ${expected}`)
  }
})
