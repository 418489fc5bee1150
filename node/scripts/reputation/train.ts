import { fitKnn, predictKnn } from '../../src/intel/reputation/knn.ts'
import { predictTree } from '../../src/intel/reputation/cart.ts'
import { fitTree, treeSize } from './cart-fit.ts'
import type { TreeOptions } from './cart-fit.ts'
import { applyExpertRules } from '../../src/intel/reputation/expert-rules.ts'
import { extractFeatures, MODEL_FEATURES, modelVector } from '../../src/intel/reputation/features.ts'
import type { LabelledHost } from './labelled-hosts.ts'
import { accuracy, classScores, confusion, macroScores, weightedF1 } from './metrics.ts'
import type { Confusion } from './metrics.ts'
import { MODEL_FORMAT } from '../../src/intel/reputation/model.ts'
import type { ReputationModelFile } from '../../src/intel/reputation/model.ts'
import { seededRandom, shuffled } from './random.ts'
import { stratifiedKFold, stratifiedSplit } from './splits.ts'
import { MALICIOUS_LABELS, THREAT_LABELS } from '../../src/intel/reputation/threat-dictionary.ts'

export interface TrainOptions {
  seed: number
  folds: number
  k: number
  /** rows per threat label in the multi-class set (the paper used 6,400 over 8 labels) */
  perLabel: number
  tree?: Partial<TreeOptions>
  dataDate: string
  sources: ReputationModelFile['sources']
}

interface Row { host: string, label: string, source: string, x: number[] }

export interface BinaryEvaluation {
  rows: number
  confusion: Confusion
  precision: number
  recall: number
  f1: number
  accuracy: number
  foldAccuracy: number[]
}

export interface TrainReport {
  binaryComposition: Record<string, number>
  multiComposition: Record<string, number>
  knn: BinaryEvaluation
  treeBinary: BinaryEvaluation
  rules: Omit<BinaryEvaluation, 'foldAccuracy'>
  tree: { confusion: Confusion, accuracy: number, precision: number, recall: number, f1: number, weightedF1: number, perClass: Record<string, { precision: number, recall: number, f1: number, support: number }>, cvAccuracy: number[], knnCvAccuracy: number[], nodes: number }
  /**
   * The paper's own experiment: the tree learns the expert rules' labels (not the lists') from the
   * same rows, 80/20. High scores here measure that the rules are learnable, not that they are right.
   */
  paperStyle: { composition: Record<string, number>, accuracy: number, precision: number, recall: number, f1: number, weightedF1: number }
  /** out-of-fold KNN flags per label source: false positives on benign lists, recall on block lists */
  perSource: Record<string, { rows: number, flagged: number }>
}

/** Builds the two data sets, evaluates (10-fold CV, 80/20), and fits the shipped models on all rows. Pure. */
export function train (hosts: readonly LabelledHost[], o: TrainOptions): { model: ReputationModelFile, report: TrainReport, trainingHosts: Set<string> } {
  const random = seededRandom(o.seed)
  const byLabel = new Map<string, LabelledHost[]>()
  // sorted first: the rows drawn depend on the seed only, not on the order the lists were read
  for (const h of hosts.toSorted((a, b) => a.host < b.host ? -1 : a.host > b.host ? 1 : 0)) {
    const list = byLabel.get(h.label)
    if (list === undefined) byLabel.set(h.label, [h])
    else list.push(h)
  }

  // binary: every benign host against as many malicious ones, drawn evenly from the harmful labels present
  const benign = byLabel.get('benign') ?? []
  const harmful = MALICIOUS_LABELS.filter(l => (byLabel.get(l)?.length ?? 0) > 0)
  const binary: Row[] = benign.map(h => row(h, 'benign'))
  for (const l of harmful) {
    const take = Math.ceil(benign.length / harmful.length)
    for (const h of shuffled(byLabel.get(l) ?? [], random).slice(0, take)) binary.push(row(h, 'malicious'))
  }
  const multi: Row[] = []
  for (const l of THREAT_LABELS) {
    for (const h of shuffled(byLabel.get(l) ?? [], random).slice(0, o.perLabel)) multi.push(row(h, l))
  }

  const knn = crossValidate(binary, o, (tr) => { const m = fitKnn(tr.map(r => r.x), tr.map(r => r.label), o.k); return r => predictKnn(m, r.x).label })
  const treeBinary = crossValidate(binary, o, (tr) => { const t = fitTree(tr.map(r => r.x), tr.map(r => r.label), o.tree); return r => predictTree(t, r.x).label })
  // the rules on the name alone: flagged = malicious or suspicious, the engine's "detected"
  const rulesPred = binary.map(r => ['malicious', 'suspicious'].includes(applyExpertRules(extractFeatures(r.host)).verdict) ? 'malicious' : 'benign')
  const rules = binaryScores(binary.map(r => r.label), rulesPred)

  // the paper's 80/20 split for the threat label, plus 10-fold accuracies of the tree and of KNN
  const split = stratifiedSplit(multi.map(r => r.label), 0.2, o.seed)
  const trainRows = split.train.map(i => multi[i]!)
  const testRows = split.test.map(i => multi[i]!)
  const holdout = fitTree(trainRows.map(r => r.x), trainRows.map(r => r.label), o.tree)
  const classes = THREAT_LABELS.filter(l => multi.some(r => r.label === l))
  const cm = confusion(classes, testRows.map(r => r.label), testRows.map(r => predictTree(holdout, r.x).label))
  const perClass = Object.fromEntries(classes.map(c => [c, classScores(cm, c)]))
  const treeCv = crossValidate(multi, o, (tr) => { const t = fitTree(tr.map(r => r.x), tr.map(r => r.label), o.tree); return r => predictTree(t, r.x).label }, classes)
  const knnCv = crossValidate(multi, o, (tr) => { const m = fitKnn(tr.map(r => r.x), tr.map(r => r.label), o.k); return r => predictKnn(m, r.x).label }, classes)

  const perSource: TrainReport['perSource'] = {}
  binary.forEach((r, i) => {
    const s = perSource[r.source] ?? { rows: 0, flagged: 0 }
    s.rows++
    if (knn.predictions[i] === 'malicious') s.flagged++
    perSource[r.source] = s
  })

  const ruleLabels = multi.map(r => applyExpertRules(extractFeatures(r.host)).label as string)
  const ruleSplit = stratifiedSplit(ruleLabels, 0.2, o.seed)
  const ruleTree = fitTree(ruleSplit.train.map(i => multi[i]!.x), ruleSplit.train.map(i => ruleLabels[i]!), o.tree)
  const ruleClasses = THREAT_LABELS.filter(l => ruleLabels.includes(l))
  const ruleCm = confusion(ruleClasses, ruleSplit.test.map(i => ruleLabels[i]!), ruleSplit.test.map(i => predictTree(ruleTree, multi[i]!.x).label))
  const ruleComposition: Record<string, number> = {}
  for (const l of ruleLabels) ruleComposition[l] = (ruleComposition[l] ?? 0) + 1
  const paperStyle = { composition: ruleComposition, accuracy: accuracy(ruleCm), ...macroScores(ruleCm), weightedF1: weightedF1(ruleCm) }

  const finalTree = fitTree(multi.map(r => r.x), multi.map(r => r.label), o.tree)
  const macro = macroScores(cm)
  const report: TrainReport = {
    binaryComposition: composition(binary, r => `${r.label}:${r.source}`),
    multiComposition: composition(multi, r => r.label),
    knn: knn.evaluation,
    treeBinary: treeBinary.evaluation,
    rules,
    tree: { confusion: cm, accuracy: accuracy(cm), ...macro, weightedF1: weightedF1(cm), perClass, cvAccuracy: treeCv.evaluation.foldAccuracy, knnCvAccuracy: knnCv.evaluation.foldAccuracy, nodes: treeSize(finalTree) },
    paperStyle,
    perSource
  }
  const model: ReputationModelFile = {
    format: MODEL_FORMAT,
    dataDate: o.dataDate,
    seed: o.seed,
    features: [...MODEL_FEATURES],
    sources: o.sources,
    knn: { k: o.k, rows: binary.map(r => r.x), labels: binary.map(r => r.label) },
    tree: finalTree,
    evaluation: {
      knnPrecision: round(knn.evaluation.precision), knnRecall: round(knn.evaluation.recall), knnF1: round(knn.evaluation.f1), knnAccuracy: round(knn.evaluation.accuracy),
      treeMacroF1: round(macro.f1), treeAccuracy: round(report.tree.accuracy)
    }
  }
  return { model, report, trainingHosts: new Set([...binary, ...multi].map(r => r.host)) }
}

function row (h: LabelledHost, label: string): Row {
  return { host: h.host, label, source: h.source, x: modelVector(extractFeatures(h.host).lexical) }
}

function crossValidate (rows: Row[], o: TrainOptions, fit: (train: Row[]) => (r: Row) => string, classes?: string[]): { evaluation: BinaryEvaluation, predictions: string[] } {
  const folds = stratifiedKFold(rows.map(r => r.label), o.folds, o.seed)
  const predictions = rows.map(() => '')
  const foldAccuracy: number[] = []
  for (const test of folds) {
    const inTest = new Set(test)
    const predict = fit(rows.filter((_, i) => !inTest.has(i)))
    let right = 0
    for (const i of test) {
      const r = rows[i]!
      predictions[i] = predict(r)
      if (predictions[i] === r.label) right++
    }
    foldAccuracy.push(round(right / Math.max(1, test.length)))
  }
  const truth = rows.map(r => r.label)
  const evaluation = classes === undefined
    ? { ...binaryScores(truth, predictions), foldAccuracy }
    : { rows: rows.length, confusion: confusion(classes, truth, predictions), ...macroScores(confusion(classes, truth, predictions)), accuracy: accuracy(confusion(classes, truth, predictions)), foldAccuracy }
  return { evaluation, predictions }
}

function binaryScores (truth: string[], predicted: string[]): Omit<BinaryEvaluation, 'foldAccuracy'> {
  const cm = confusion(['benign', 'malicious'], truth, predicted)
  return { rows: truth.length, confusion: cm, ...classScores(cm, 'malicious'), accuracy: accuracy(cm) }
}

function composition (rows: Row[], key: (r: Row) => string): Record<string, number> {
  const c: Record<string, number> = {}
  for (const r of rows) c[key(r)] = (c[key(r)] ?? 0) + 1
  return Object.fromEntries(Object.entries(c).toSorted(([a], [b]) => a < b ? -1 : 1))
}

function round (v: number): number {
  return Math.round(v * 1e4) / 1e4
}
