/**
 * The VirusTotal-shaped fields of a final report (protocol v2): what the API serves for a file or an
 * indicator, and what a light client rebuilds from the signed messages and holds the served fields to.
 * One definition for both sides, so the server and the verifier cannot drift apart.
 */
import type { Report, ReportStats } from '#protocol/report-format.ts'

/** VirusTotal's per-engine result; `result` is null when the engine named nothing. */
export interface VtEngineResult {
  category: string
  engine_name: string
  engine_version: string
  engine_update: string
  method: string
  result: string | null
}

/** VirusTotal's stats carry confirmed-timeout too; VirusMap has no such state, so it is always 0. */
export type VtStats = ReportStats & { 'confirmed-timeout': number }

const EMPTY_STATS: VtStats = {
  malicious: 0, suspicious: 0, undetected: 0, harmless: 0, timeout: 0, 'confirmed-timeout': 0, failure: 0, 'type-unsupported': 0
}

/** ms -> VirusTotal's integer epoch seconds */
export function epochSeconds (ms: number): number {
  return Math.floor(ms / 1000)
}

export function vtResults (report: Report | undefined): Record<string, VtEngineResult> {
  const out: Record<string, VtEngineResult> = {}
  if (report === undefined) return out
  for (const name of Object.keys(report.results).toSorted()) {
    const entry = report.results[name]
    if (entry === undefined) continue
    out[name] = {
      category: entry.category,
      engine_name: entry.engine,
      engine_version: entry.engineVersion,
      engine_update: entry.engineUpdate,
      method: entry.method,
      result: entry.result === '' ? null : entry.result
    }
  }
  return out
}

export function vtStats (report: { stats: ReportStats } | undefined): VtStats {
  return report === undefined ? { ...EMPTY_STATS } : { ...EMPTY_STATS, ...report.stats }
}

/**
 * The VirusMap attribute: the final report (protocol v2) minus what VirusTotal's own fields already
 * say. It carries every signed message and the chain's view the report was derived under, so a
 * light client rebuilds the report itself (deriveReport) and holds the served VT fields to it;
 * per-engine quorum facts live here, keyed like last_analysis_results, so VT fields keep VT's shape.
 */
export function virusmapAttribute (report: Report): Record<string, unknown> {
  const engines = Object.fromEntries(Object.entries(report.results).map(([engine, e]) =>
    [engine, { members: e.members, answered: e.answered, registered: e.registered, attested: e.attested }]))
  return {
    version: report.version,
    job_id: report.jobId,
    chain_id: report.chainId,
    registry: report.registry,
    membership_block: report.job.job.membershipBlock,
    members: report.members,
    member_count: report.memberCount,
    fault_divisor: report.faultDivisor,
    quorum: report.quorum,
    registrations: report.registrations,
    job: report.job,
    commitments: report.commitments,
    verdicts: report.verdicts,
    attestations: report.attestations,
    absent: report.absent,
    withheld: report.withheld,
    engines
  }
}
