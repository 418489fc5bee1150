/** Confusion matrix rows = true class, columns = predicted class, in `classes` order. */
export interface Confusion { classes: string[], matrix: number[][] }

export function confusion (classes: readonly string[], truth: readonly string[], predicted: readonly string[]): Confusion {
  const matrix = classes.map(() => classes.map(() => 0))
  truth.forEach((t, i) => {
    const row = matrix[classes.indexOf(t)]
    const c = classes.indexOf(predicted[i] ?? '')
    if (row !== undefined && c >= 0) row[c] = (row[c] ?? 0) + 1
  })
  return { classes: [...classes], matrix }
}

export interface ClassScores { precision: number, recall: number, f1: number, support: number }

const cell = (m: Confusion, r: number, c: number): number => m.matrix[r]?.[c] ?? 0

export function classScores (m: Confusion, cls: string): ClassScores {
  const i = m.classes.indexOf(cls)
  const tp = cell(m, i, i)
  const predicted = m.matrix.reduce((s, _, r) => s + cell(m, r, i), 0)
  const support = (m.matrix[i] ?? []).reduce((s, v) => s + v, 0)
  const precision = predicted === 0 ? 0 : tp / predicted
  const recall = support === 0 ? 0 : tp / support
  return { precision, recall, f1: precision + recall === 0 ? 0 : 2 * precision * recall / (precision + recall), support }
}

export function accuracy (m: Confusion): number {
  const total = m.matrix.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0)
  return total === 0 ? 0 : m.classes.reduce((s, _, i) => s + cell(m, i, i), 0) / total
}

/** unweighted mean over the classes that have support */
export function macroScores (m: Confusion): { precision: number, recall: number, f1: number } {
  const scores = m.classes.map(c => classScores(m, c)).filter(s => s.support > 0)
  const mean = (f: (s: ClassScores) => number): number => scores.reduce((a, s) => a + f(s), 0) / Math.max(1, scores.length)
  return { precision: mean(s => s.precision), recall: mean(s => s.recall), f1: mean(s => s.f1) }
}

/** support-weighted mean F1 (scikit-learn's average='weighted'; the paper does not say which F1 it reports) */
export function weightedF1 (m: Confusion): number {
  const scores = m.classes.map(c => classScores(m, c))
  const total = scores.reduce((a, s) => a + s.support, 0)
  return total === 0 ? 0 : scores.reduce((a, s) => a + s.f1 * s.support, 0) / total
}
