import type { ReputationFeatures } from './features.ts'
import { NON_BENIGN_LABELS } from './threat-dictionary.ts'
import type { NonBenignLabel, ThreatLabel } from './threat-dictionary.ts'

export type RuleVerdict = 'malicious' | 'suspicious' | 'undetected' | 'harmless'

export interface RuleOutcome {
  /** −100 (worst) .. 100 (best) */
  reputation: number
  verdict: RuleVerdict
  label: ThreatLabel
  /** the rules that fired, for the docs and for debugging a verdict */
  reasons: string[]
}

export const RULE_THRESHOLDS = { malicious: -50, suspicious: -20, harmless: 30 } as const

/**
 * The expert rules: each piece of evidence moves the reputation, network evidence most (it is
 * what other engines and users saw), popularity and community votes as the paper's guard against
 * false positives, and the name's shape last. The label comes from the strongest threat evidence.
 */
export function applyExpertRules (f: ReputationFeatures): RuleOutcome {
  const n = f.network
  const l = f.lexical
  const reasons: string[] = []
  let rep = 0
  const add = (delta: number, why: string): void => { rep += delta; reasons.push(`${why} ${delta > 0 ? '+' : ''}${Math.round(delta)}`) }

  if (n.detectionScore !== undefined && n.detectionScore > 0) add(-70 * n.detectionScore, 'engine detections')
  if (n.relatedFilesScore !== undefined && n.relatedFilesScore > 0) add(-40 * n.relatedFilesScore, 'malicious related files')
  if (n.highConfidenceHits > 0) add(-30 * Math.min(n.highConfidenceHits, 2), 'high-confidence engines')
  if (n.communityScore !== undefined && n.communityScore !== 0) add(20 * n.communityScore, 'community votes')
  if (n.popularityScore !== undefined && n.popularityScore > 0) add(50 * n.popularityScore, 'popularity')
  if (n.detectionScore === 0 && n.relatedFilesScore !== undefined && n.relatedFilesScore < 0.05) add(10, 'clean across engines')

  if (l.brandImpersonation === 1) add(-35, 'brand in a name not the brand\'s')
  if (l.brandExact === 1) add(15, 'the brand\'s own name')
  if (l.punycode === 1 || l.nonAscii === 1) add(l.brandImpersonation === 1 ? -25 : -10, 'IDN / confusables')
  if (l.isIp === 1) add(-15, 'IP host')
  if (l.abusedTld === 1) add(-10, 'abused TLD')
  if (l.privateSuffix === 1) add(-10, 'free hosting suffix')
  if (l.hyphens >= 2) add(-5 * Math.min(l.hyphens, 4), 'hyphens')
  if (l.digitRatio > 0.3) add(-10, 'digit-heavy')
  if (l.entropy > 3.8 && l.labelLength > 15) add(-10, 'random-looking label')
  if (l.subdomainDepth >= 3) add(-10, 'deep subdomains')
  const nameHits = NON_BENIGN_LABELS.reduce((s, k) => s + l.dictionary[k], 0)
  if (nameHits > 0) add(-10 * Math.min(nameHits, 3), 'threat words in the name')

  const reputation = Math.max(-100, Math.min(100, Math.round(rep)))
  const verdict: RuleVerdict = reputation <= RULE_THRESHOLDS.malicious
    ? 'malicious'
    : reputation <= RULE_THRESHOLDS.suspicious
      ? 'suspicious'
      : reputation >= RULE_THRESHOLDS.harmless ? 'harmless' : 'undetected'
  return { reputation, verdict, label: verdict === 'malicious' || verdict === 'suspicious' ? threatLabel(f) : 'benign', reasons }
}

/** engine labels first (what scanners said), then brand or IDN shape, then words in the name */
function threatLabel (f: ReputationFeatures): NonBenignLabel {
  const fromEngines = strongest(f.network.engineLabelHits)
  if (fromEngines !== undefined) return fromEngines
  if (f.lexical.brandImpersonation === 1 || f.lexical.punycode === 1) return 'phishing'
  const fromName = strongest(f.lexical.dictionary)
  if (fromName !== undefined) return fromName
  return f.network.detectionScore !== undefined || f.network.relatedFilesScore !== undefined ? 'malware' : 'phishing'
}

function strongest (hits: Record<NonBenignLabel, number>): NonBenignLabel | undefined {
  let best: NonBenignLabel | undefined
  for (const k of NON_BENIGN_LABELS) if (hits[k] > 0 && (best === undefined || hits[k] > hits[best])) best = k
  return best
}
