import { deriveReport } from '#protocol/index.ts'
import type { Hex, SignedCommitment, SignedScanJob, SignedVerdict } from '#protocol/messages.ts'
import type { Report, ReportSignature } from '#protocol/report-format.ts'
import { epochSeconds, virusmapAttribute, vtResults, vtStats } from '../vt/report-attributes.ts'
import { reportProblem, type VerifyProblemCode } from './problems.ts'

/**
 * Rebuilds the report a VirusMap object (a file, URL, domain, IP, wallet or script) stands for from
 * what its `virusmap` attribute carries (the signed job, commitments, verdicts and attestations),
 * so what a client shows comes from signatures and not from the server's summary; then holds every
 * served field that claims to say the same (VirusTotal's and the attribute's) to it.
 */
export type FileReportResult =
  | { ok: true, report: Report }
  | { ok: false, code: 'NO_REPORT' | VerifyProblemCode, detail: string, report?: Report }

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** JSON with object keys sorted: compares served and derived values independently of key order. */
function canonical (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.keys(v).toSorted().map((k) => [k, v[k]])) : v)
}

export function reportFromFileAttributes (attributes: Record<string, unknown>): FileReportResult {
  const vm = attributes.virusmap
  // an indicator object carries virusmap {kind, subject, ...} before its report: no job yet means no report
  if (vm === undefined || vm === null || (isObject(vm) && vm.job === undefined)) return { ok: false, code: 'NO_REPORT', detail: 'no final report yet' }
  if (!isObject(vm) || vm.version !== 2) return { ok: false, code: 'MALFORMED', detail: 'the virusmap attribute is not a version-2 report' }
  let report: Report
  try {
    report = deriveReport({
      job: vm.job as unknown as SignedScanJob,
      commitments: vm.commitments as SignedCommitment[],
      verdicts: vm.verdicts as SignedVerdict[],
      attestations: vm.attestations as ReportSignature[],
      members: vm.members as Hex[],
      registrations: vm.registrations as Record<string, Hex[]>,
      faultDivisor: vm.fault_divisor as number,
      chainId: vm.chain_id as number,
      registry: vm.registry as Hex
    })
  } catch (err) {
    const problem = reportProblem(err)
    return { ok: false, code: problem.code, detail: problem.detail }
  }
  const differs = servedDifference(attributes, vm, report)
  if (differs !== undefined) return { ok: false, code: 'SERVED_MISMATCH', detail: `the served ${differs} differ from what the signed messages make`, report }
  return { ok: true, report }
}

/** The first served field that disagrees with the derived report, by name; undefined when all agree. */
function servedDifference (attributes: Record<string, unknown>, vm: Record<string, unknown>, report: Report): string | undefined {
  const derived = virusmapAttribute(report)
  const summary = Object.keys(derived).find((k) => canonical(vm[k]) !== canonical(derived[k]))
  if (summary !== undefined) return `virusmap.${summary}`
  if (canonical(attributes.last_analysis_results) !== canonical(vtResults(report))) return 'last_analysis_results'
  if (canonical(attributes.last_analysis_stats) !== canonical(vtStats(report))) return 'last_analysis_stats'
  if (attributes.last_analysis_date !== epochSeconds(report.date)) return 'last_analysis_date'
  const { job } = report.job
  if (job.kind === 'file') {
    const hashes = ['sha256', 'sha1', 'md5'] as const
    const wrong = hashes.find((h) => attributes[h] !== job[h].slice(2))
    if (wrong !== undefined) return wrong
    if (attributes.size !== job.size) return 'size'
    return undefined
  }
  if (vm.kind !== job.kind || vm.subject !== job.subject) return 'virusmap.kind and subject'
  return (['url', 'last_final_url'] as const).find((k) => attributes[k] !== undefined && attributes[k] !== job.subject)
}
