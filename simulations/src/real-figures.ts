import { MESSAGE_BYTES, runJobs } from './model/member-sweep.ts'
import { DEFAULT_PARAMS } from './model/params.ts'
import { runRealNetwork, windowFor } from './real/real-run.ts'
import { waitBoundFor } from './real/member-view.ts'
import { percentile, round } from './stats.ts'
import type { Figure } from './chart/figure.ts'
import type { RealRunResult } from './real/real-run.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface RealPlan {
  seed: number
  sizes: number[]
  jobs: number
  /** each job's commit and reveal window (default windowFor(n)) */
  windowMs?: number
}

interface Side { median: number, p95: number, duplicatesPerDelivery: number, messagesPerJob: number, bytesPerMemberPerJob: number }

export interface Calibration {
  members: number
  real: Side
  model: Side
  /** model / real - 1 */
  medianError: number
  p95Error: number
  /** the model again with each delivery's CPU divided by the run's cpuShare: the core as loaded as the run had it */
  modelAtShare: Side
  p95ErrorAtShare: number
  /**
   * runs that recorded each job's span (real-run.ts perJob): each job modelled alone at the share of a
   * core the box gave that span, its wall time per delivery; the runs' latencies pooled. The box's load
   * moves during a long run, so one share for the run spreads the jobs too little.
   */
  atJobShares?: {
    median: number
    p95: number
    p95Error: number
    medianError: number
    /** each job alone: the model's median and p95 beside the real job's, ms */
    jobs: Array<{ model: { median: number, p95: number }, real: { median: number, p95: number } }>
  }
}

const ENGINE_MS = 50
const LATENCY_MS = 5
const DEGREE = 4
/** the real run's pause between a job's last report and the next submission */
const SPACING_MS = 300

function err (model: number, real: number): number {
  return Math.round((model / real - 1) * 1000) / 1000
}

/**
 * How the model spends a delivery's measured CPU (the median at n = 100, issue 18). Charging every first
 * copy the same and a duplicate 0.05 ms made a job's phases equally long, so the reports (at about half of
 * the attestations) came at 83-92% of a job's span, where the real run's came at 48-84% and 16-31% of its
 * span followed the last report. Measured instead, 2026-12-07:
 * - a copy read and dropped as a duplicate costs the transport (noise, yamux, gossipsub's decoding and
 *   message id): one hop between two memory hosts took 0.8 ms of CPU for a 0.4 KB message and 1.1 ms for
 *   23 KB, judging a first copy 0.2 (a commitment) to 1.1 ms (an attestation at 100 members) more, so a
 *   duplicate costs DUPLICATE_CPU of a first copy;
 * - a first copy's cost grows with its size: in real runs at 30 and 50 members with every delivery's time,
 *   an attestation delivery (7 and 11.5 KiB) took 1.75 and 1.96 times a commitment's (0.3 KiB) CPU, which
 *   SIZE_CPU of a first copy's cost per KiB reproduces (1.89 and 1.96).
 */
const DUPLICATE_CPU = 0.64
const SIZE_CPU = 0.8

/** The model's costs that spend `cpuPerDeliveryMs` per delivery, its duplicates (`duplicates` per delivery) included. */
function costsOf (cpuPerDeliveryMs: number, members: number, duplicates: number): Pick<typeof DEFAULT_PARAMS, 'cpuPerMessageMs' | 'cpuPerKiBMs' | 'cpuPerDuplicateMs'> {
  const firstCopy = cpuPerDeliveryMs / (1 + DUPLICATE_CPU * duplicates)
  const meanKiB = (MESSAGE_BYTES.job + members * (MESSAGE_BYTES.commitment + MESSAGE_BYTES.verdict + MESSAGE_BYTES.attestation(members))) / (1 + 3 * members) / 1024
  return { cpuPerMessageMs: (1 - SIZE_CPU) * firstCopy, cpuPerKiBMs: SIZE_CPU * firstCopy / meanKiB, cpuPerDuplicateMs: DUPLICATE_CPU * firstCopy }
}

/**
 * The model as the real-code run ran: one shared CPU (every member is in this one process), the memory
 * transport's fixed latency, no bandwidth limit; the run's members wait as long as its gossip layer lets them.
 */
function paramsOf (real: RealRunResult): typeof DEFAULT_PARAMS {
  return { ...DEFAULT_PARAMS, sharedCpu: true, uplinkMbps: Infinity, accessLatencyMs: LATENCY_MS / 2, latencySigma: 0, connectDegree: DEGREE, maxWaitMs: waitBoundFor(real.windowMs) }
}

/** One job alone on the run's set-up at these costs. */
function alone (real: RealRunResult, seed: number, costs: Partial<typeof DEFAULT_PARAMS>): ReturnType<typeof runJobs> {
  return runJobs({ members: real.members, seed, params: { ...paramsOf(real), ...costs }, jobs: 1, engineMs: ENGINE_MS, commitMs: real.windowMs, revealMs: real.windowMs, spacingMs: 2 * real.windowMs + 10_000 })
}

/** The model's own duplicates per delivery at this size, at its default costs (they hardly move with the costs). */
const duplicatesOf = (real: RealRunResult, seed: number): number => alone(real, seed, {}).duplicatesPerDelivery

/**
 * A run that recorded its jobs' spans (real-run.ts perJob), modelled job by job, each alone at the share of
 * a core the box gave that span (its wall time per delivery), the latencies pooled; undefined for runs
 * stored before perJob. The box's load moves during a long run, so one share for the run spreads the jobs too little.
 */
export function atJobShares (real: RealRunResult, seed: number, duplicates = duplicatesOf(real, seed)): Calibration['atJobShares'] {
  const spans = real.perJob ?? []
  if (spans.length === 0 || !spans.every(j => j.deliveries > 0 && j.cpuMs > 0 && j.wallMs > 0)) return undefined
  const perJob = spans.map((j) => {
    // CPU per delivery over the span's share (cpuMs / wallMs) = the span's wall time per delivery, at most a whole core's
    const m = alone(real, seed, costsOf((j.cpuMs / j.deliveries) / Math.min(1, j.cpuMs / j.wallMs), real.members, duplicates))
    return { j, latencies: m.outcomes.flatMap(out => [...out.reportedAt.values()].map(t => t - out.submittedAt)) }
  })
  const latencies = perJob.flatMap(p => p.latencies)
  const median = round(percentile(latencies, 50), 1)
  const p95 = round(percentile(latencies, 95), 1)
  const jobs = perJob.map(({ j, latencies: own }) => ({ model: { median: round(percentile(own, 50), 1), p95: round(percentile(own, 95), 1) }, real: { median: j.reportLatencyMs.median, p95: j.reportLatencyMs.p95 } }))
  return { median, p95, medianError: err(median, real.reportLatencyMs.median), p95Error: err(p95, real.reportLatencyMs.p95), jobs }
}

/** The model against one real-code run: as it ran, at the run's CPU share, and job by job. */
function calibrate (real: RealRunResult, seed: number): Calibration {
  const duplicates = duplicatesOf(real, seed)
  // one job at a time, as the real run submits them: the next SPACING_MS after the last one's reports,
  // while that job's remaining attestations still take the shared CPU
  const side = (cpuPerDeliveryMs: number): Side => {
    const m = runJobs({ members: real.members, seed, params: { ...paramsOf(real), ...costsOf(cpuPerDeliveryMs, real.members, duplicates) }, jobs: real.jobs, engineMs: ENGINE_MS, commitMs: real.windowMs, revealMs: real.windowMs, pauseAfterReportsMs: SPACING_MS })
    return { median: m.latencyMs.median, p95: m.latencyMs.p95, duplicatesPerDelivery: m.duplicatesPerDelivery, messagesPerJob: m.messagesPerJob, bytesPerMemberPerJob: m.bytesPerMemberPerJob }
  }
  const model = side(real.cpuMsPerDelivery)
  const jobShares = atJobShares(real, seed, duplicates)
  const modelAtShare = side(real.cpuMsPerDelivery / Math.max(0.01, Math.min(1, real.cpuShare)))
  return {
    members: real.members,
    real: { median: real.reportLatencyMs.median, p95: real.reportLatencyMs.p95, duplicatesPerDelivery: real.duplicatesPerDelivery, messagesPerJob: real.messagesSeenPerJob, bytesPerMemberPerJob: real.bytesPerMemberPerJob },
    model,
    medianError: err(model.median, real.reportLatencyMs.median),
    p95Error: err(model.p95, real.reportLatencyMs.p95),
    modelAtShare,
    p95ErrorAtShare: err(modelAtShare.p95, real.reportLatencyMs.p95),
    ...(jobShares === undefined ? {} : { atJobShares: jobShares })
  }
}

export interface RealResults {
  runs: RealRunResult[]
  calibration: Calibration[]
  figures: Figure[]
}

/** Real-code runs and the model's calibration against them: wall-clock figures, not deterministic. */
export async function realFigures (plan: RealPlan, log: (line: string) => void = () => {}, options?: AbortOptions): Promise<RealResults> {
  const runs: RealRunResult[] = []
  for (const n of plan.sizes) {
    log(`real code: ${n} members, ${plan.jobs} jobs`)
    runs.push(await runRealNetwork({ members: n, jobs: plan.jobs, seed: plan.seed, engineMs: ENGINE_MS, latencyMs: LATENCY_MS, degree: DEGREE, spacingMs: SPACING_MS, windowMs: plan.windowMs ?? windowFor(n) }, options))
  }
  return realResults(runs, plan.seed)
}

/** The calibration and figures of real-code runs, made now or read back from real-code.json files (run.ts --real-from). */
export function realResults (runs: RealRunResult[], seed: number): RealResults {
  const calibration = runs.map(r => calibrate(r, seed))
  const figures: Figure[] = [
    {
      id: 'real-latency',
      title: 'Real code: submission to final report (one process)',
      xLabel: 'members n',
      yLabel: 'ms',
      series: [
        { name: 'median', points: runs.map(r => [r.members, r.reportLatencyMs.median]) },
        { name: 'p95', points: runs.map(r => [r.members, r.reportLatencyMs.p95]), band: runs.map(r => [r.members, r.reportLatencyMs.median, r.reportLatencyMs.p99]) }
      ],
      note: `Gossipsub, the node's gossip layer and scoring, the protocol's validators, signatures, commit-reveal, attestations and deriveReport, over @libp2p/memory (${LATENCY_MS} ms per buffer), engine ${ENGINE_MS} ms. All members share this process's one thread, so latency includes every member's CPU in turn: an upper bound for separate machines. ` +
        runs.map(r => `n=${r.members}: delivery ${r.deliveryRatio}, ${r.duplicatesPerDelivery} duplicates per delivery, ${Math.round(r.bytesPerMemberPerJob / 1024)} KiB and ${r.cpuMsPerMemberPerJob} ms CPU per member per job`).join('; '),
      recommends: 'The model is calibrated on these runs (real-calibration) and projects beyond them.'
    },
    {
      id: 'real-calibration',
      title: 'Model against real code, same set-up (shared CPU)',
      xLabel: 'members n',
      yLabel: 'p95 ms to final report',
      series: [
        { name: 'real code', points: calibration.map(c => [c.members, c.real.p95]) },
        { name: 'model', points: calibration.map(c => [c.members, c.model.p95]) },
        { name: 'model, CPU at the run\'s share', points: calibration.map(c => [c.members, c.modelAtShare.p95]) },
        { name: 'model, CPU at each job\'s share', points: calibration.flatMap((c): Array<[number, number]> => c.atJobShares === undefined ? [] : [[c.members, c.atJobShares.p95]]) }
      ],
      note: calibration.map(c => `n=${c.members}: p95 model/real - 1 = ${c.p95Error} (${c.model.p95} / ${c.real.p95} ms), at the run's CPU share ${c.p95ErrorAtShare} (${c.modelAtShare.p95} ms)${c.atJobShares === undefined ? '' : `, at each job's share ${c.atJobShares.p95Error} (${c.atJobShares.p95} ms)`}, median ${c.medianError} (${c.model.median} / ${c.real.median} ms); messages per job ${c.model.messagesPerJob} (model) vs ${c.real.messagesPerJob} (real); duplicates per delivery ${c.model.duplicatesPerDelivery} vs ${c.real.duplicatesPerDelivery}; KiB per member per job ${Math.round(c.model.bytesPerMemberPerJob / 1024)} vs ${Math.round(c.real.bytesPerMemberPerJob / 1024)}`).join('; '),
      recommends: 'Trust the model\'s latency within the error shown at the largest n run.'
    }
  ]
  return { runs, calibration, figures }
}
