import type { AnalysisView, FileView, ReportAnchorView, VoteVerdict } from './ports/index.ts'
import { bareHex } from './ids.ts'
import { indicatorPath } from './indicator-ids.ts'
import { epochSeconds, virusmapAttribute, vtResults, vtStats } from '../vt/report-attributes.ts'
import { FUZZY_ENGINE, parseFuzzy } from '#protocol/rewards/fuzzy.ts'

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
    // VirusTotal's file attribute, from the tlsh engine's digest once a quorum of its members attested it
    const tlsh = report.results[FUZZY_ENGINE]
    const digest = tlsh?.attested === true ? parseFuzzy(tlsh.result) : undefined
    if (digest !== undefined) attributes.tlsh = digest.toUpperCase()
    if (f.anchor !== undefined) attributes.virusmap_anchor = anchorAttribute(f.anchor)
  }
  if (votes !== undefined) attributes.total_votes = votes
  return {
    data: { type: 'file', id: sha256, attributes, links: { self: `${baseUrl}/api/v3/files/${sha256}` } }
  }
}
