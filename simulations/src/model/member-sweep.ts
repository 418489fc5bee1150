import { createRng } from '../prng.ts'
import { percentile, round } from '../stats.ts'
import { JobModel, MESSAGE_BYTES } from './job-model.ts'
import { Overlay } from './overlay.ts'
import type { JobOutcome, MemberRole } from './job-model.ts'
import type { ModelParams } from './params.ts'

export interface JobRunOptions {
  members: number
  seed: number
  params: ModelParams
  jobs: number
  roles?: MemberRole[]
  engineMs?: number
  commitMs?: number
  revealMs?: number
  /** between submissions; jobs may overlap when it is shorter than a job */
  spacingMs?: number
  /**
   * one job at a time, as the real-code run submits them: the next this long after every honest member
   * reported the last (or at the last's end), while the last job's remaining messages are still in flight
   */
  pauseAfterReportsMs?: number
}

export interface JobRunResult {
  outcomes: JobOutcome[]
  latencyMs: { median: number, p95: number, p99: number }
  /** honest-member reports per (job x honest member) */
  reportRatio: number
  duplicatesPerDelivery: number
  bytesPerMemberPerJob: number
  /** distinct messages published per job, counted */
  messagesPerJob: number
  causalityViolations: number
}

const CLOCK_SKEW_MS = 1000

/** Jobs end to end over an overlay of members only (the supernodes' gossip mesh). */
export function runJobs (o: JobRunOptions): JobRunResult {
  const rng = createRng(o.seed).fork(`jobs-${o.members}`)
  const overlay = new Overlay(o.members, o.params, rng.fork('overlay'))
  const roles = o.roles ?? []
  const model = new JobModel(overlay, {
    members: o.members,
    roles,
    engineMs: o.engineMs ?? 50,
    commitMs: o.commitMs ?? 10_000,
    revealMs: o.revealMs ?? 10_000,
    clockSkewMs: CLOCK_SKEW_MS
  })
  overlay.q.runUntil(3000)
  const honest = Array.from({ length: o.members }, (_, m) => m).filter(m => (roles[m] ?? 'honest') === 'honest')
  const submit = (): void => {
    let origin = rng.int(o.members)
    while ((roles[origin] ?? 'honest') !== 'honest') origin = (origin + 1) % o.members
    model.submit(origin)
  }
  const pause = o.pauseAfterReportsMs
  let spacing = o.spacingMs ?? 30_000
  if (pause === undefined) {
    for (let j = 0; j < o.jobs; j++) overlay.q.schedule(j * spacing, submit)
  } else {
    // a job's end: its attestation deadline, where the real run stops waiting for its reports
    const jobEnd = (o.commitMs ?? 10_000) + (o.revealMs ?? 10_000) + CLOCK_SKEW_MS
    spacing = jobEnd + pause
    let queued = false
    const queueNext = (): void => {
      if (queued || model.outcomes.length >= o.jobs) return
      queued = true
      overlay.q.schedule(pause, () => {
        queued = false
        submitNext()
      })
    }
    const submitNext = (): void => {
      submit()
      const job = model.outcomes.length - 1
      overlay.q.schedule(jobEnd, () => { if (model.outcomes.length === job + 1) queueNext() })
    }
    model.onReport = (out) => { if (out.reportedAt.size === honest.length && model.outcomes.length === out.job + 1) queueNext() }
    submitNext()
  }
  overlay.q.runUntil(3000 + o.jobs * spacing + 40_000)
  const latencies = model.outcomes.flatMap(out => [...out.reportedAt.values()].map(t => t - out.submittedAt))
  let bytes = 0
  for (const m of overlay.messages.values()) bytes += m.bytes
  return {
    outcomes: model.outcomes,
    latencyMs: { median: round(percentile(latencies, 50), 1), p95: round(percentile(latencies, 95), 1), p99: round(percentile(latencies, 99), 1) },
    reportRatio: round(latencies.length / Math.max(1, o.jobs * honest.length), 4),
    duplicatesPerDelivery: round(overlay.stats.duplicates / Math.max(1, overlay.stats.deliveries), 3),
    // every member receives each message once and sends it on to its mesh: sent + received = bytes x (1 + sends/deliveries)
    bytesPerMemberPerJob: Math.round(bytes * (1 + overlay.stats.sends / Math.max(1, overlay.stats.deliveries + overlay.stats.duplicates)) / o.jobs),
    messagesPerJob: round(overlay.messages.size / Math.max(1, o.jobs), 1),
    causalityViolations: overlay.stats.causalityViolations
  }
}

export interface SweepRow {
  members: number
  messagesPerJob: number
  p95: number
  median: number
  bytesPerMemberPerJob: number
}

export function memberSweep (sizes: number[], seed: number, params: ModelParams, jobs: number): { rows: SweepRow[], largestUnder5s: number | null } {
  const rows = sizes.map((n) => {
    const r = runJobs({ members: n, seed, params, jobs })
    return { members: n, messagesPerJob: 1 + 3 * n, p95: r.latencyMs.p95, median: r.latencyMs.median, bytesPerMemberPerJob: r.bytesPerMemberPerJob }
  })
  const under = rows.filter(r => r.p95 < 5000).map(r => r.members)
  return { rows, largestUnder5s: under.length > 0 ? Math.max(...under) : null }
}

export { MESSAGE_BYTES }
