import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { atJobShares, realResults } from '../src/real-figures.ts'
import type { JobSpan, RealRunResult } from '../src/real/real-run.ts'

/** a stored run as real-code.json keeps it (run.ts --real-from reads these back) */
const run = (cpuShare: number): RealRunResult => ({
  members: 10,
  jobs: 1,
  reportLatencyMs: { count: 10, median: 2000, p95: 2600, p99: 2700 },
  deliveryRatio: 1,
  duplicatesPerDelivery: 3.4,
  bytesPerMemberPerJob: 330_000,
  cpuMsPerMemberPerJob: 65,
  cpuMsPerDelivery: 2.3,
  messagesPerJob: 31,
  messagesSeenPerJob: 31,
  reportsFinal: 10,
  windowMs: 20_000,
  cpuShare
})

tap.test('the model is calibrated as the run ran, and again with the CPU the box gave the run', async (t) => {
  const { calibration, figures } = realResults([run(0.25)], 1)
  const c = calibration[0]
  t.ok(c !== undefined)
  if (c === undefined) return
  t.ok(Number.isFinite(c.model.p95) && c.model.p95 > 0)
  t.ok(c.modelAtShare.p95 > c.model.p95, 'a quarter of a core: every delivery takes four times as long, so reports come later')
  t.equal(c.p95ErrorAtShare, Math.round((c.modelAtShare.p95 / 2600 - 1) * 1000) / 1000)
  t.equal(c.model.messagesPerJob, 31, 'the model publishes what the real code published')
  const chart = figures.find(f => f.id === 'real-calibration')
  t.same(chart?.series.map(s => s.name), ['real code', 'model', 'model, CPU at the run\'s share', 'model, CPU at each job\'s share'])
})

tap.test('a share above 1 counts as 1 and a share of 0 as 1%: the model never runs faster than the measured CPU', async (t) => {
  const full = realResults([run(1)], 1).calibration[0]
  t.equal(full?.modelAtShare.p95, full?.model.p95, 'a whole core: the same as the plain calibration')
  t.equal(realResults([run(4)], 1).calibration[0]?.modelAtShare.p95, full?.model.p95)
  const starved = realResults([run(0)], 1).calibration[0]
  // 1% of a core: every delivery takes 100 times as long; reports come far later or miss the windows (NaN)
  t.notOk((starved?.modelAtShare.p95 ?? 0) < 50 * (full?.model.p95 ?? Infinity), `no share measured: at 1% of a core (${starved?.modelAtShare.p95} ms against ${full?.model.p95})`)
  t.ok(Number.isFinite(starved?.model.p95), 'the plain calibration is unaffected')
})

/** one job's span: 70 ms of CPU on `share` of a core */
const span = (share: number): JobSpan => ({ reportLatencyMs: { count: 10, median: 2000, p95: 2600, p99: 2700 }, cpuMs: 70, gcMs: 5, deliveries: 300, wallMs: 70 / share, heapMiB: 50 })

tap.test('a run that recorded its jobs is also modelled job by job, each at the share of a core its span had', async (t) => {
  const even = realResults([{ ...run(0.5), jobs: 2, perJob: [span(0.5), span(0.5)] }], 1).calibration[0]
  const uneven = realResults([{ ...run(0.5), jobs: 2, perJob: [span(0.9), span(0.1)] }], 1).calibration[0]
  t.ok(even?.atJobShares !== undefined && uneven?.atJobShares !== undefined)
  t.ok((uneven?.atJobShares?.p95 ?? 0) > (even?.atJobShares?.p95 ?? Infinity), 'a job on a tenth of a core sets the p95 the run-wide share hides')
  t.equal(realResults([run(0.5)], 1).calibration[0]?.atJobShares, undefined, 'runs stored before perJob: none')
  t.equal(realResults([{ ...run(0.5), perJob: [{ ...span(0.5), deliveries: 0 }] }], 1).calibration[0]?.atJobShares, undefined, 'a span without deliveries: none, not a division by zero')
})

tap.test('at 100 members the model calibrates on the stored real run job by job: p95 within 10%, median within 35%, two of three jobs within 10% on both', async (t) => {
  const stored = JSON.parse(readFileSync(join(import.meta.dirname, '../results/real-code-per-job-100.json'), 'utf8')) as { runs: RealRunResult[] }
  const c = stored.runs[0]
  const shares = c === undefined ? undefined : atJobShares(c, 1)
  t.ok(shares !== undefined, 'the run recorded its jobs')
  if (shares === undefined) return
  t.ok(Math.abs(shares.p95Error) <= 0.1, `p95 ${shares.p95} ms against ${c?.reportLatencyMs.p95} (${shares.p95Error})`)
  // the second job is the one the model cannot place: its median report came at 48% of its span (README, Calibration)
  t.ok(Math.abs(shares.medianError) <= 0.35, `median ${shares.median} ms against ${c?.reportLatencyMs.median} (${shares.medianError})`)
  const close = shares.jobs.filter(j => Math.abs(j.model.median / j.real.median - 1) <= 0.1 && Math.abs(j.model.p95 / j.real.p95 - 1) <= 0.1)
  t.equal(close.length, 2, `jobs within 10%: ${JSON.stringify(shares.jobs)}`)
})
