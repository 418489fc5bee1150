import { deriveReport } from '../../../protocol/src/index.ts'
import type { Hex, Report, SignedScanJob, SignedVerdict } from '../../../protocol/src/messages.ts'
import { vtResults, vtStats } from '../api/vt-objects.ts'

/**
 * Rebuilds the report a VirusMap file object stands for from what it carries (the signed job and
 * verdicts in `virusmap`), so what a client shows comes from signatures and not from the server's
 * summary; then checks that the summary the server served agrees with it.
 */
export type FileReportResult =
  | { ok: true, report: Report }
  | { ok: false, code: 'NO_REPORT' | 'MALFORMED' | 'REPORT_INVALID' | 'SERVED_RESULTS_MISMATCH', detail: string, report?: Report }

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function canonical (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.keys(v).toSorted().map((k) => [k, v[k]])) : v)
}

export function reportFromFileAttributes (attributes: Record<string, unknown>): FileReportResult {
  const vm = attributes.virusmap
  // an indicator object carries virusmap {kind, subject, ...} before its report: no job yet means no report
  if (vm === undefined || vm === null || (isObject(vm) && vm.job === undefined)) return { ok: false, code: 'NO_REPORT', detail: 'no final report yet' }
  if (!isObject(vm) || !isObject(vm.job) || !Array.isArray(vm.verdicts) || typeof vm.registry !== 'string' ||
    !Number.isSafeInteger(vm.chain_id) || !Number.isSafeInteger(vm.member_count)) {
    return { ok: false, code: 'MALFORMED', detail: 'the virusmap attribute is malformed' }
  }
  let report: Report
  try {
    report = deriveReport({
      job: vm.job as unknown as SignedScanJob,
      verdicts: vm.verdicts as SignedVerdict[],
      memberCount: vm.member_count as number,
      // reports from before the divisor was a parameter carry none: the rule was 3 then
      faultDivisor: vm.fault_divisor === undefined ? 3 : vm.fault_divisor as number,
      chainId: vm.chain_id as number,
      registry: vm.registry as Hex
    })
  } catch (err) {
    const e = err as { code?: string, message?: string }
    return { ok: false, code: 'REPORT_INVALID', detail: `${e.code ?? 'ERROR'}: ${e.message ?? String(err)}` }
  }
  if (vm.job_id !== report.jobId || vm.quorum !== report.quorum ||
    canonical(attributes.last_analysis_results) !== canonical(vtResults(report)) ||
    canonical(attributes.last_analysis_stats) !== canonical(vtStats(report))) {
    return { ok: false, code: 'SERVED_RESULTS_MISMATCH', detail: 'the served results differ from those the signed verdicts give', report }
  }
  return { ok: true, report }
}
