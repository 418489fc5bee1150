import type { Report, ReportStats } from '../../../protocol/src/messages.ts'
import type { AnalysisView, FileView, ReportAnchorView, VoteVerdict } from './ports.ts'
import { bareHex } from './ids.ts'
import { indicatorPath } from './vt-indicator-objects.ts'

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

/** VirusTotal's type_tag and type_description for our magic-byte tags; others pass through. */
const FILE_TYPES: Record<string, { tag: string, description: string }> = {
  PE32: { tag: 'peexe', description: 'Win32 EXE' },
  'PE32+': { tag: 'peexe', description: 'Win32 EXE' },
  PE: { tag: 'peexe', description: 'Win32 EXE' },
  ELF: { tag: 'elf', description: 'ELF' },
  ZIP: { tag: 'zip', description: 'ZIP' },
  PDF: { tag: 'pdf', description: 'PDF' },
  'Mach-O': { tag: 'macho', description: 'Mach-O' },
  text: { tag: 'text', description: 'Text' },
  script: { tag: 'script', description: 'Script' },
  unknown: { tag: 'unknown', description: 'unknown' }
}

export function fileType (tag: string): { type_tag: string, type_description: string } {
  const known = FILE_TYPES[tag]
  return known === undefined
    ? { type_tag: tag.toLowerCase(), type_description: tag }
    : { type_tag: known.tag, type_description: known.description }
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

/** `virusmap_anchor` (SPEC 15; openapi-parts.ts ANCHOR_ATTRIBUTE): the light client reads epoch, root and proof, `block` is for people */
export function anchorAttribute (a: ReportAnchorView): Record<string, unknown> {
  return { epoch: a.epoch, root: a.root, proof: a.proof, block: a.block }
}

export function analysisObject (a: AnalysisView, baseUrl: string): Record<string, unknown> {
  const sha256 = bareHex(a.sha256)
  const kind = a.kind ?? 'file'
  // an indicator's analysis: VirusTotal's url_info for a URL, the item is the indicator's object
  const meta: Record<string, unknown> = kind === 'file'
    ? { file_info: { sha256, sha1: bareHex(a.sha1), md5: bareHex(a.md5), size: a.size } }
    : kind === 'url' ? { url_info: { id: sha256, url: a.subject } } : { indicator_info: { kind, subject: a.subject } }
  const item = kind === 'file' || a.subject === undefined ? `${baseUrl}/api/v3/files/${sha256}` : `${baseUrl}${indicatorPath(kind, a.subject)}`
  return {
    data: {
      type: 'analysis',
      id: a.id,
      attributes: {
        date: epochSeconds(a.report?.date ?? a.date),
        status: a.status,
        stats: vtStats(a.report),
        results: vtResults(a.report),
        virusmap: {
          job_id: a.jobId ?? a.id,
          membership_block: a.membershipBlock,
          verdict_count: a.verdictCount,
          member_count: a.memberCount,
          ...(a.failure === undefined ? {} : { failure: a.failure })
        }
      },
      links: { self: `${baseUrl}/api/v3/analyses/${a.id}`, item }
    },
    // VirusMap extension: the receipt the upload answered with, again, for a client that lost it (SPEC 17)
    meta: a.receipt === undefined ? meta : { ...meta, receipt: a.receipt }
  }
}

/** The file object; `votes`, this node's vote totals, when it keeps votes. */
export function fileObject (f: FileView, baseUrl: string, votes?: Record<VoteVerdict, number>): Record<string, unknown> {
  const { sample, report } = f
  const sha256 = bareHex(sample.sha256)
  const attributes: Record<string, unknown> = {
    sha256,
    sha1: bareHex(sample.sha1),
    md5: bareHex(sample.md5),
    size: sample.size,
    ...fileType(sample.fileType),
    names: [...sample.names],
    meaningful_name: sample.names[0] ?? sha256,
    first_submission_date: epochSeconds(sample.firstSeen),
    last_submission_date: epochSeconds(sample.lastSeen),
    last_analysis_results: vtResults(report),
    last_analysis_stats: vtStats(report)
  }
  if (report !== undefined) {
    attributes.last_analysis_date = epochSeconds(report.date)
    attributes.virusmap = virusmapAttribute(report)
    if (f.anchor !== undefined) attributes.virusmap_anchor = anchorAttribute(f.anchor)
  }
  if (votes !== undefined) attributes.total_votes = votes
  return {
    data: { type: 'file', id: sha256, attributes, links: { self: `${baseUrl}/api/v3/files/${sha256}` } }
  }
}
