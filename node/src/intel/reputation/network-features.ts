import { skewNormalCdf, truncatedNormalCdf } from './distributions.ts'
import type { SkewNormal, TruncatedNormal } from './distributions.ts'
import { dictionaryHits } from './threat-dictionary.ts'
import type { NonBenignLabel } from './threat-dictionary.ts'
import type { AbortOptions } from '@libp2p/interface'

/**
 * What the network already knows about a domain: the data port the engine reads live features
 * through. Every field may be missing; a missing field is "unknown", never zero.
 */
export interface NetworkEvidence {
  /** the latest quorum report's engine verdicts for this domain */
  engineDetections?: { malicious: number, suspicious: number, total: number }
  /** the highest malicious count among files that contain or contact the domain */
  relatedFiles?: { maxMalicious: number, totalEngines: number }
  /** popularity rank (1 = most visited), from a rank list the operator trusts */
  popularityRank?: number
  communityVotes?: { harmless: number, malicious: number }
  /** names of engines the operator trusts most that flagged the domain */
  highConfidenceEngineHits?: readonly string[]
  /** detection labels other engines gave (fed to the threat dictionary) */
  engineLabels?: readonly string[]
}

export interface ReputationEvidenceSource {
  evidence (domain: string, options?: AbortOptions): Promise<NetworkEvidence | undefined>
}

export interface NetworkParameters {
  /** on the detected fraction of engines, truncated to [0, 1] */
  detections: TruncatedNormal
  /** on the related files' max detected fraction: left-skewed (mean < median < mode), so alpha < 0 */
  relatedFiles: SkewNormal
  /** rank at which popularity stops counting */
  popularityHorizon: number
}

/**
 * The paper gives the CDFs but not their parameters; these are ours (docs/reputation.md), on
 * fractions of engines so a network with any engine count fits. Fit them from the report
 * repository once it holds domain reports.
 */
export const DEFAULT_NETWORK_PARAMETERS: NetworkParameters = {
  detections: { mu: 0.1, sigma: 0.1, a: 0, b: 1 },
  relatedFiles: { xi: 0.75, omega: 0.3, alpha: -4 },
  popularityHorizon: 1_000_000
}

export interface NetworkFeatures {
  /** truncated-normal CDF of the malicious fraction; undefined when unknown */
  detectionScore?: number
  /** skew-normal CDF of the related files' max malicious fraction */
  relatedFilesScore?: number
  /** 1 for rank 1 down to 0 at the horizon (log scale) */
  popularityScore?: number
  /** (harmless − malicious) / votes, in [−1, 1] */
  communityScore?: number
  highConfidenceHits: number
  engineLabelHits: Record<NonBenignLabel, number>
}

export function networkFeatures (e: NetworkEvidence | undefined, params: NetworkParameters = DEFAULT_NETWORK_PARAMETERS): NetworkFeatures {
  const d = e?.engineDetections
  const r = e?.relatedFiles
  const v = e?.communityVotes
  const votes = v == null ? 0 : finite(v.harmless) + finite(v.malicious)
  const rank = e?.popularityRank
  return {
    detectionScore: d != null && finite(d.total) > 0 ? truncatedNormalCdf(finite(d.malicious) / d.total, params.detections) : undefined,
    relatedFilesScore: r != null && finite(r.totalEngines) > 0 ? skewNormalCdf(finite(r.maxMalicious) / r.totalEngines, params.relatedFiles) : undefined,
    popularityScore: rank != null && finite(rank) >= 1
      ? Math.max(0, 1 - Math.log10(rank) / Math.log10(params.popularityHorizon))
      : undefined,
    communityScore: v != null && votes > 0 ? (finite(v.harmless) - finite(v.malicious)) / votes : undefined,
    highConfidenceHits: Math.min(e?.highConfidenceEngineHits?.length ?? 0, 100),
    engineLabelHits: dictionaryHits((e?.engineLabels ?? []).slice(0, 100).map(l => String(l).slice(0, 256)).join(' '))
  }
}

function finite (n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0
}
