// The guard service's Prometheus metrics, served at /metrics on loopback. Labels are bounded: a
// decision is one of four, a level one of three, a rule id comes from the rules' own code (anything else counts as
// "other"), a simulation status is one of four, a mirror drop reason one of the mirror's closed set.
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { GuardResult } from '../guard.ts'
import type { GuardMirror } from '../mirror.ts'
import type { GuardReporter } from '../reporter.ts'
import type { GuardStoreData } from '../store.ts'

/** rule ids are kebab-case constants; a longer or odd one is not a label */
const RULE_ID = /^[a-z0-9-]{1,40}$/
const LEVELS: ReadonlySet<string> = new Set(['info', 'warn', 'block'])

export interface GuardMetrics {
  registry: Registry
  /** one answered request: its decision, each finding's rule, and how long it took */
  observe(result: Pick<GuardResult, 'decision' | 'findings'>, simulation: GuardResult['simulation']['status'], seconds: number): void
}

export function createGuardMetrics (store: GuardStoreData, mirror?: Pick<GuardMirror, 'totals'>, reporter?: Pick<GuardReporter, 'totals'>): GuardMetrics {
  const registry = new Registry()
  const registers = [registry]
  const decisions = new Counter({ name: 'virusmap_guard_decisions_total', help: 'requests judged, by decision', labelNames: ['decision'], registers })
  const findings = new Counter({ name: 'virusmap_guard_findings_total', help: 'findings, by rule id, the finding\'s level and the request\'s decision', labelNames: ['rule', 'level', 'decision'], registers })
  const duration = new Histogram({
    name: 'virusmap_guard_check_duration_seconds',
    help: 'time to judge a request, by simulation status (ok, reverted, unavailable, not-applicable)',
    labelNames: ['simulation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5],
    registers
  })
  // gauges read at scrape time; registered here, since nothing else holds them
  const none: Registry[] = []
  registry.registerMetric(new Gauge({
    name: 'virusmap_guard_malicious_subjects',
    help: 'subjects on the local malicious list (mirrored and added), by kind',
    labelNames: ['kind'],
    registers: none,
    collect () {
      this.set({ kind: 'address' }, store.malicious.addresses.size)
      this.set({ kind: 'domain' }, store.malicious.domains.size)
      this.set({ kind: 'script' }, store.malicious.scriptHashes.size)
    }
  }))
  if (mirror !== undefined) {
    registry.registerMetric(new Gauge({ name: 'virusmap_guard_mirror_added_total', help: 'subjects the mirror added since start', registers: none, collect () { this.set(mirror.totals.added) } }))
    registry.registerMetric(new Gauge({
      name: 'virusmap_guard_mirror_rejections_total',
      help: 'feed entries the mirror dropped since start, by reason',
      labelNames: ['reason'],
      registers: none,
      collect () { for (const [reason, n] of Object.entries(mirror.totals.dropped)) this.set({ reason }, n) }
    }))
  }
  if (reporter !== undefined) {
    registry.registerMetric(new Gauge({
      name: 'virusmap_guard_reports_total',
      help: 'indicator submissions from blocks (--report-to) since start, by outcome: sent, failed, limited (over the hourly limit), repeated (a subject reported within a day)',
      labelNames: ['outcome'],
      registers: none,
      collect () { for (const [outcome, n] of Object.entries(reporter.totals)) this.set({ outcome }, n) }
    }))
  }
  return {
    registry,
    observe (result, simulation, seconds) {
      decisions.inc({ decision: result.decision })
      for (const f of result.findings) findings.inc({ rule: RULE_ID.test(f.id) ? f.id : 'other', level: LEVELS.has(f.level) ? f.level : 'other', decision: result.decision })
      duration.observe({ simulation }, seconds)
    }
  }
}
