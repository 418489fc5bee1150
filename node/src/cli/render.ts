import type { Report } from '#protocol/report-format.ts'
import { ENGINE_CATEGORIES } from '#protocol/messages.ts'
import { urlNetworkLocation } from '#protocol/indicators.ts'
import type { CheckedFile, CheckedIndicator, Verification } from './check-file.ts'
import { terminalJson, terminalText as t } from './terminal-text.ts'

/** Every cell came from a server (engine names, labels, versions): escaped before it is measured. */
function table (rows: unknown[][]): string {
  const cells = rows.map((r) => r.map(t))
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length))) ?? []
  return cells.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n'
}

/** AGREE: members behind the shown result; ANSWERED: of those registered for the engine; only ATTESTED engines count in the stats. */
function engineTable (report: Report): string {
  const rows: unknown[][] = [['ENGINE', 'CATEGORY', 'RESULT', 'VERSION', 'UPDATE', 'AGREE', 'ANSWERED', 'ATTESTED']]
  for (const name of Object.keys(report.results).toSorted()) {
    const e = report.results[name]
    if (e === undefined) continue
    rows.push([name, e.category, e.result === '' ? '-' : e.result, e.engineVersion, e.engineUpdate, e.members.length, `${e.answered}/${e.registered}`, e.attested ? 'yes' : 'no'])
  }
  return table(rows)
}

function statsLine (report: Report): string {
  return ENGINE_CATEGORIES.map((c) => `${c} ${t(report.stats[c])}`).join(', ')
}

/** The human-readable answer of `submit` and `lookup`. Whatever the server sent goes through terminalText. */
export function renderCheckedFile ({ file, report, verification: v }: CheckedFile): string {
  const a = file.data.attributes as Record<string, unknown>
  const names = Array.isArray(a.names) && a.names.length > 0 ? ` (${a.names.map(t).join(', ')})` : ''
  let out = `sha256: ${t(a.sha256 ?? file.data.id)}${names}\n`
  out += `size: ${t(a.size)} bytes, type: ${t(a.type_description ?? a.type_tag ?? 'unknown')}\n`
  if (report !== undefined) {
    out += `analysis: ${t(report.jobId)}\n\n${engineTable(report)}\nstats: ${statsLine(report)}\n`
  }
  return out + verificationLine(v)
}

const list = (items: readonly unknown[]): string => (items.length === 0 ? 'none' : items.map(t).join(', '))

/** What was checked and who stands behind it; on failure every problem, each with its code. */
function verificationLine (v: Verification): string {
  if (!v.verified) return `verified: NO — ${v.problems.map((p) => `${t(p.code)}: ${t(p.detail)}`).join('; ')}\n`
  return `verified: yes — attested by ${v.attesters.length} of ${t(v.memberCount)} members at block ${t(v.membershipBlock)} (quorum ${t(v.quorum)}): ${list(v.attesters)}\n` +
    `attested engines: ${list(v.attestedEngines)}\n` +
    `absent members: ${list(v.absent)}\nwithheld (committed, never revealed): ${list(v.withheld)}\n` + anchorLine(v.anchor)
}

/** Where the report stands on chain (SPEC section 15): anchored in an epoch, or pending and why. */
function anchorLine (anchor: Verification['anchor']): string {
  if (anchor.status === 'anchored') return `anchored: epoch ${t(anchor.epoch)} (root posted in block ${t(anchor.block)}): ${t(anchor.root)}\n`
  if (anchor.status === 'pending' && anchor.reason === 'not-served') return 'anchored: not yet (pending anchor)\n'
  return 'anchored: not checked (the deployment names no ReportAnchors)\n'
}

const date = (seconds: unknown): string => typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : '-'

/** The human-readable answer of `submit --url ...` and `lookup URL|DOMAIN|IP|WALLET`. */
export function renderCheckedIndicator ({ kind, subject, object, report, verification }: CheckedIndicator): string {
  const a = object.data.attributes as Record<string, unknown>
  const vm = (a.virusmap ?? {}) as { submitters?: unknown, context?: unknown }
  let out = `${t(kind)}: ${t(subject)}\n`
  // from the subject asked, not from the node's answer: where `virusmap lookup` finds the host's own analysis
  const host = kind === 'url' ? urlNetworkLocation(subject) : undefined
  if (host !== undefined) out += `host: ${t(host.subject)} (${host.kind}: virusmap lookup ${t(host.subject)})\n`
  out += `first seen: ${date(a.first_submission_date)}, last seen: ${date(a.last_submission_date)}, submitters: ${Array.isArray(vm.submitters) ? vm.submitters.map(t).join(', ') : '-'}\n`
  if (typeof vm.context === 'string' && vm.context !== '') out += `context: ${terminalJson(vm.context)}\n`
  if (report !== undefined) {
    out += `submitter: ${t(report.job.job.submitter)}\nanalysis: ${t(report.jobId)}\n\n${engineTable(report)}\nstats: ${statsLine(report)}\n`
  }
  return out + verificationLine(verification)
}

/** `--json` for an indicator: its object as served, plus the verification. */
export function jsonCheckedIndicator ({ object, verification }: CheckedIndicator): string {
  return terminalJson({ ...object, verified: verification.verified, verification }, 2) + '\n'
}

/** `--json`: the file object as served, plus the verification. */
export function jsonCheckedFile ({ file, verification }: CheckedFile): string {
  return terminalJson({ ...file, verified: verification.verified, verification }, 2) + '\n'
}
