import { fitKnn, predictKnn } from './knn.ts'
import type { KnnModel } from './knn.ts'
import { predictTree } from './cart.ts'
import type { TreeNode } from './cart.ts'
import { applyExpertRules } from './expert-rules.ts'
import type { RuleOutcome } from './expert-rules.ts'
import { MODEL_FEATURES, modelVector } from './features.ts'
import type { ReputationFeatures } from './features.ts'
import { MALICIOUS_LABELS, NON_BENIGN_LABELS, THREAT_LABELS } from './threat-dictionary.ts'
import type { NonBenignLabel } from './threat-dictionary.ts'

export const MODEL_FORMAT = 'virusmap-reputation/1'

/** What the training command writes and the engine loads (node/models/reputation.json). */
export interface ReputationModelFile {
  format: typeof MODEL_FORMAT
  /** YYYYMMDD of the newest training source: the engine's signature date */
  dataDate: string
  seed: number
  features: string[]
  sources: Array<{ name: string, label: string, version: string, sha256: string, hosts: number }>
  knn: { k: number, rows: number[][], labels: string[] }
  tree: TreeNode
  /** headline figures of the run that produced this file (docs/reputation.md has all of them) */
  evaluation: Record<string, number>
}

export type ModelErrorCode = 'MODEL_INVALID'
export class ModelFormatError extends Error {
  override name = 'ModelFormatError'
  readonly code: ModelErrorCode = 'MODEL_INVALID'
}

/** A loaded model: the file plus its KNN refitted (z-scoring is recomputed, never stored). */
export interface ReputationModel { file: ReputationModelFile, knn: KnnModel }

export function loadModel (json: string): ReputationModel {
  let file: ReputationModelFile
  try {
    file = JSON.parse(json) as ReputationModelFile
  } catch (err) {
    throw new ModelFormatError('model file is not JSON', { cause: err })
  }
  if (file?.format !== MODEL_FORMAT) throw new ModelFormatError(`model format is not ${MODEL_FORMAT}`)
  if (JSON.stringify(file.features) !== JSON.stringify(MODEL_FEATURES)) throw new ModelFormatError('model features differ from this code\'s MODEL_FEATURES: retrain')
  if (!/^\d{8}$/.test(file.dataDate)) throw new ModelFormatError('model dataDate is not YYYYMMDD')
  const { rows, labels, k } = file.knn ?? {}
  if (!Array.isArray(rows) || !Array.isArray(labels) || rows.length === 0 || rows.length !== labels.length ||
    rows.some(r => !Array.isArray(r) || r.length !== MODEL_FEATURES.length || r.some(v => !Number.isFinite(v)))) {
    throw new ModelFormatError('model knn rows malformed')
  }
  if (!Number.isInteger(k) || k < 1 || k > rows.length) throw new ModelFormatError('model knn k malformed')
  if (!validTree(file.tree, 0)) throw new ModelFormatError('model tree malformed')
  return { file, knn: fitKnn(rows, labels, k) }
}

function validTree (n: TreeNode, depth: number): boolean {
  if (depth > 64 || n == null || typeof n !== 'object') return false
  if (n.leaf) return (THREAT_LABELS as readonly string[]).includes(n.label) && typeof n.counts === 'object'
  return Number.isInteger(n.feature) && n.feature >= 0 && n.feature < MODEL_FEATURES.length && Number.isFinite(n.threshold) &&
    validTree(n.left, depth + 1) && validTree(n.right, depth + 1)
}

export type ReputationCategory = 'malicious' | 'suspicious' | 'undetected' | 'harmless'

export interface ReputationDecision {
  category: ReputationCategory
  /** the threat label; '' unless flagged */
  label: NonBenignLabel | ''
  /** share of the k neighbours that are malicious */
  maliciousVotes: number
  treeLabel: string
  rules: RuleOutcome
  /** 'model' (lexical models) or 'rules' (network evidence, popularity or the allowlist decided) */
  by: 'model' | 'rules'
}

/** with network evidence, a KNN majority flags; 4 of 5 with a harmful tree label is malicious (docs/reputation.md) */
export const FLAG_SHARE = 0.6
export const MALICIOUS_SHARE = 0.8
/** popularity at or above this (rank ~1000 of a 1M horizon) guards against false positives */
export const POPULAR_SCORE = 0.5
/**
 * A verdict from the name alone (no network evidence) needs every neighbour malicious and the
 * expert rules at or below this on the name: two signs, not one (a brand token alone is -35, and
 * googlemaps.github.io has it). Chosen for at most 0.1% flagged on the held-out popular hosts
 * (bench/intel-accuracy.ts); a majority of neighbours flagged 6% of them.
 */
export const NAME_ONLY_SHARE = 1
export const NAME_ONLY_REPUTATION = -40

/**
 * `allowlisted`: the operator's allowlist (the paper's closing advice: whitelists keep deployed
 * false positives down) silences the name-only models; live network evidence still convicts.
 */
export function decide (model: ReputationModel, f: ReputationFeatures, options: { allowlisted?: boolean } = {}): ReputationDecision {
  const rules = applyExpertRules(f)
  const n = f.network
  const networkKnown = n.detectionScore !== undefined || n.relatedFilesScore !== undefined || n.communityScore !== undefined || n.highConfidenceHits > 0
  const v = modelVector(f.lexical)
  const votes = predictKnn(model.knn, v).votes
  const maliciousVotes = (votes.malicious ?? 0) / model.knn.k
  const tree = predictTree(model.file.tree, v)
  const base = { maliciousVotes, treeLabel: tree.label, rules }

  if (networkKnown && (rules.verdict === 'malicious' || rules.verdict === 'suspicious')) {
    return { ...base, category: rules.verdict, label: rules.label === 'benign' ? 'malware' : rules.label, by: 'rules' }
  }
  const popular = (n.popularityScore !== undefined && n.popularityScore >= POPULAR_SCORE) || options.allowlisted === true
  const convicted = networkKnown
    ? maliciousVotes >= FLAG_SHARE
    : maliciousVotes >= NAME_ONLY_SHARE && rules.reputation <= NAME_ONLY_REPUTATION
  if (!popular && convicted) {
    // the tree's label, unless it names no harm (adware, tracker, none) while the rules convict the name
    const fromTree = threatOf(tree.label, tree.counts)
    const treeHarm = fromTree !== undefined && MALICIOUS_LABELS.includes(fromTree)
    const label = !treeHarm && rules.verdict === 'malicious' && rules.label !== 'benign'
      ? rules.label
      : fromTree ?? (rules.label === 'benign' ? 'phishing' : rules.label)
    const harmful = MALICIOUS_LABELS.includes(label)
    return { ...base, category: harmful && maliciousVotes >= MALICIOUS_SHARE ? 'malicious' : 'suspicious', label, by: 'model' }
  }
  return { ...base, category: rules.verdict === 'harmless' ? 'harmless' : 'undetected', label: '', by: popular ? 'rules' : 'model' }
}

/** the tree's label, or its leaf's most frequent non-benign class when the leaf says benign */
function threatOf (label: string, counts: Record<string, number>): NonBenignLabel | undefined {
  if ((NON_BENIGN_LABELS as readonly string[]).includes(label)) return label as NonBenignLabel
  let best: NonBenignLabel | undefined
  for (const l of NON_BENIGN_LABELS) if ((counts[l] ?? 0) > 0 && (best === undefined || (counts[l] ?? 0) > (counts[best] ?? 0))) best = l
  return best
}
