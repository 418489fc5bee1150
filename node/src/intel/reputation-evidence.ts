import { indicatorSha256 } from '#protocol/indicators.ts'
import { REPUTATION_ENGINE_NAME } from './reputation/reputation-engine.ts'
import type { NetworkEvidence, ReputationEvidenceSource } from './reputation/network-features.ts'
import type { Report } from '#protocol/report-format.ts'
import type { IndicatorRepository } from '../db/indicator-repository.ts'
import type { ReportRepository } from '../db/report-repository.ts'

export interface ReputationEvidenceOptions {
  /** engines whose detections the operator trusts most (the paper's high-confidence engines) */
  highConfidenceEngines?: readonly string[]
  /** how many files containing the domain are read for the related-files feature */
  maxRelatedFiles?: number
}

export interface ReputationEvidenceComponents {
  reports: Pick<ReportRepository, 'getLatestByIndicator' | 'getLatestBySha256'>
  indicators: Pick<IndicatorRepository, 'filesOf'>
}

/**
 * The reputation engine's live features from this node's own data: the latest quorum report on
 * the domain, and the most-detected file among those its members found containing the domain.
 * The engine's own earlier verdicts are left out of the counts, so it never feeds on itself.
 */
export function createReputationEvidence (opts: ReputationEvidenceOptions, c: ReputationEvidenceComponents): ReputationEvidenceSource {
  const trusted = new Set(opts.highConfidenceEngines ?? [])
  const maxRelated = opts.maxRelatedFiles ?? 50
  return {
    async evidence (domain, options = {}) {
      const { signal } = options
      const report = await c.reports.getLatestByIndicator('domain', indicatorSha256(domain))
      signal?.throwIfAborted()
      const files = await c.indicators.filesOf('domain', domain, maxRelated, { signal })
      const evidence: NetworkEvidence = {}
      if (report !== undefined) Object.assign(evidence, fromReport(report, trusted))
      let related: { maxMalicious: number, totalEngines: number } | undefined
      for (const sha256 of files) {
        signal?.throwIfAborted()
        const fileReport = await c.reports.getLatestBySha256(sha256)
        if (fileReport === undefined) continue
        const counts = detections(fileReport)
        if (related === undefined || counts.malicious > related.maxMalicious) related = { maxMalicious: counts.malicious, totalEngines: counts.total }
      }
      if (related !== undefined) evidence.relatedFiles = related
      return Object.keys(evidence).length === 0 ? undefined : evidence
    }
  }
}

function fromReport (report: Report, trusted: ReadonlySet<string>): NetworkEvidence {
  const entries = Object.values(report.results).filter((e) => e.engine !== REPUTATION_ENGINE_NAME)
  const counts = detections(report)
  return {
    engineDetections: { malicious: counts.malicious, suspicious: counts.suspicious, total: counts.total },
    highConfidenceEngineHits: entries.filter((e) => e.category === 'malicious' && trusted.has(e.engine)).map((e) => e.engine),
    engineLabels: entries.filter((e) => e.result !== '').map((e) => e.result)
  }
}

/** engines that judged the subject (not timeouts, failures or unsupported kinds), without ours */
function detections (report: Report): { malicious: number, suspicious: number, total: number } {
  let malicious = 0
  let suspicious = 0
  let total = 0
  for (const e of Object.values(report.results)) {
    if (e.engine === REPUTATION_ENGINE_NAME) continue
    if (e.category === 'malicious') malicious++
    else if (e.category === 'suspicious') suspicious++
    else if (e.category !== 'undetected' && e.category !== 'harmless') continue
    total++
  }
  return { malicious, suspicious, total }
}
