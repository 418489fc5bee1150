import type { Report } from '../../../protocol/src/messages.ts'
import { ENGINE_CATEGORIES } from '../../../protocol/src/messages.ts'
import type { CheckedFile, CheckedIndicator, Verification } from './check-file.ts'

function table (rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n'
}

function engineTable (report: Report): string {
  const rows = [['ENGINE', 'CATEGORY', 'RESULT', 'VERSION', 'UPDATE', 'MEMBERS']]
  for (const name of Object.keys(report.results).toSorted()) {
    const e = report.results[name]
    if (e === undefined) continue
    rows.push([name, e.category, e.result === '' ? '-' : e.result, e.engineVersion, e.engineUpdate, `${e.members.length}/${report.memberCount}`])
  }
  return table(rows)
}

function statsLine (report: Report): string {
  return ENGINE_CATEGORIES.map((c) => `${c} ${report.stats[c]}`).join(', ')
}

/** The human-readable answer of `submit` and `lookup`. */
export function renderCheckedFile ({ file, report, verification: v }: CheckedFile): string {
  const a = file.data.attributes as Record<string, unknown>
  const names = Array.isArray(a.names) && a.names.length > 0 ? ` (${a.names.join(', ')})` : ''
  let out = `sha256: ${String(a.sha256 ?? file.data.id)}${names}\n`
  out += `size: ${String(a.size)} bytes, type: ${String(a.type_description ?? a.type_tag ?? 'unknown')}\n`
  if (report !== undefined) {
    out += `analysis: ${report.jobId}\n\n${engineTable(report)}\nstats: ${statsLine(report)}\n`
  }
  return out + verificationLine(v)
}

function verificationLine (v: Verification): string {
  return v.verified
    ? `verified: yes — signed by ${v.signers.length} of ${v.memberCount} members at block ${String(v.membershipBlock)}: ${v.signers.join(', ')}\n`
    : `verified: NO — ${v.problems.map((p) => `${p.code}: ${p.detail}`).join('; ')}\n`
}

const date = (seconds: unknown): string => typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : '-'

/** The human-readable answer of `submit --url ...` and `lookup URL|DOMAIN|IP|WALLET`. */
export function renderCheckedIndicator ({ kind, subject, object, report, verification }: CheckedIndicator): string {
  const a = object.data.attributes as Record<string, unknown>
  const vm = (a.virusmap ?? {}) as { submitters?: unknown, context?: unknown }
  let out = `${kind}: ${subject}\n`
  out += `first seen: ${date(a.first_submission_date)}, last seen: ${date(a.last_submission_date)}, submitters: ${Array.isArray(vm.submitters) ? vm.submitters.join(', ') : '-'}\n`
  if (typeof vm.context === 'string' && vm.context !== '') out += `context: ${JSON.stringify(vm.context)}\n`
  if (report !== undefined) {
    out += `submitter: ${report.job.job.submitter}\nanalysis: ${report.jobId}\n\n${engineTable(report)}\nstats: ${statsLine(report)}\n`
  }
  return out + verificationLine(verification)
}

/** `--json` for an indicator: its object as served, plus the verification. */
export function jsonCheckedIndicator ({ object, verification }: CheckedIndicator): string {
  return JSON.stringify({ ...object, verified: verification.verified, verification }, null, 2) + '\n'
}

/** `--json`: the file object as served, plus the verification. */
export function jsonCheckedFile ({ file, verification }: CheckedFile): string {
  return JSON.stringify({ ...file, verified: verification.verified, verification }, null, 2) + '\n'
}
