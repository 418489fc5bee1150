import { seededRandom, shuffled } from './random.ts'

/**
 * Stratified k-fold: each class's indices are shuffled (seeded) and dealt round-robin, so every
 * fold holds each class in proportion. Returns the test indices of each fold, ascending.
 */
export function stratifiedKFold (labels: readonly string[], k: number, seed: number): number[][] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError('k must be an integer >= 2')
  const random = seededRandom(seed)
  const folds: number[][] = Array.from({ length: k }, () => [])
  let next = 0
  for (const idx of byClass(labels).values()) {
    for (const i of shuffled(idx, random)) {
      folds[next]!.push(i)
      next = (next + 1) % k
    }
  }
  return folds.map(f => f.toSorted((a, b) => a - b))
}

/** Stratified holdout split (the paper's 80/20): test takes round(share × n) of each class. */
export function stratifiedSplit (labels: readonly string[], testShare: number, seed: number): { train: number[], test: number[] } {
  if (!(testShare > 0 && testShare < 1)) throw new RangeError('testShare must be in (0, 1)')
  const random = seededRandom(seed)
  const train: number[] = []
  const test: number[] = []
  for (const idx of byClass(labels).values()) {
    const s = shuffled(idx, random)
    const cut = Math.round(s.length * testShare)
    test.push(...s.slice(0, cut))
    train.push(...s.slice(cut))
  }
  return { train: train.toSorted((a, b) => a - b), test: test.toSorted((a, b) => a - b) }
}

/** class -> indices, classes in sorted order so the result does not depend on row order */
function byClass (labels: readonly string[]): Map<string, number[]> {
  const m = new Map<string, number[]>()
  for (const c of [...new Set(labels)].toSorted()) m.set(c, [])
  labels.forEach((c, i) => m.get(c)?.push(i))
  return m
}
