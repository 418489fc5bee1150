/**
 * CART with Gini impurity: binary splits at midpoints between sorted distinct values, the best
 * (feature, threshold) by weighted impurity, first feature and lowest threshold on ties. The
 * paper's best multi-class model; left close to scikit-learn's defaults, with a depth cap only to
 * keep the shipped model small.
 */
import type { TreeNode } from '../../src/intel/reputation/cart.ts'

export interface TreeOptions { maxDepth: number, minSamplesSplit: number, minSamplesLeaf: number }
export const DEFAULT_TREE_OPTIONS: TreeOptions = { maxDepth: 20, minSamplesSplit: 2, minSamplesLeaf: 1 }

interface Data { x: readonly number[][], y: number[], classes: string[], o: TreeOptions }

export function fitTree (x: readonly number[][], y: readonly string[], options: Partial<TreeOptions> = {}): TreeNode {
  if (x.length === 0 || x.length !== y.length) throw new RangeError('tree needs as many labels as rows, at least one')
  const classes = [...new Set(y)].toSorted()
  const data: Data = { x, y: y.map(c => classes.indexOf(c)), classes, o: { ...DEFAULT_TREE_OPTIONS, ...options } }
  return grow(data, x.map((_, i) => i), 0)
}

function grow (data: Data, idx: number[], depth: number): TreeNode {
  const counts = countClasses(data, idx)
  const o = data.o
  if (depth >= o.maxDepth || idx.length < o.minSamplesSplit || counts.filter(n => n > 0).length <= 1) return leaf(data, counts)
  const split = bestSplit(data, idx, counts)
  if (split === undefined) return leaf(data, counts)
  const goesLeft = (i: number): boolean => (data.x[i]?.[split.feature] ?? 0) <= split.threshold
  return {
    leaf: false,
    feature: split.feature,
    threshold: split.threshold,
    left: grow(data, idx.filter(goesLeft), depth + 1),
    right: grow(data, idx.filter(i => !goesLeft(i)), depth + 1)
  }
}

function leaf (data: Data, counts: number[]): TreeNode {
  let best = 0
  counts.forEach((n, c) => { if (n > (counts[best] ?? 0)) best = c })
  const named: Record<string, number> = {}
  counts.forEach((n, c) => { if (n > 0) named[data.classes[c] ?? ''] = n })
  return { leaf: true, label: data.classes[best] ?? '', counts: named }
}

function countClasses (data: Data, idx: number[]): number[] {
  const c = data.classes.map(() => 0)
  for (const i of idx) c[data.y[i]!]!++
  return c
}

function gini (counts: number[], n: number): number {
  if (n === 0) return 0
  let s = 0
  for (const c of counts) s += (c / n) ** 2
  return 1 - s
}

function bestSplit (data: Data, idx: number[], total: number[]): { feature: number, threshold: number } | undefined {
  const { x, y } = data
  const n = idx.length
  const features = x[idx[0]!]!.length
  let bestScore = gini(total, n) - 1e-12
  let best: { feature: number, threshold: number } | undefined
  for (let f = 0; f < features; f++) {
    const sorted = idx.toSorted((a, b) => x[a]![f]! - x[b]![f]! || a - b)
    const left = total.map(() => 0)
    const right = [...total]
    for (let p = 0; p < n - 1; p++) {
      const c = y[sorted[p]!]!
      left[c]!++
      right[c]!--
      const v = x[sorted[p]!]![f]!
      const next = x[sorted[p + 1]!]![f]!
      if (v === next) continue
      const nl = p + 1
      const nr = n - nl
      if (nl < data.o.minSamplesLeaf || nr < data.o.minSamplesLeaf) continue
      const score = (nl * gini(left, nl) + nr * gini(right, nr)) / n
      if (score < bestScore) {
        bestScore = score
        best = { feature: f, threshold: (v + next) / 2 }
      }
    }
  }
  return best
}

export function treeSize (node: TreeNode): number {
  return node.leaf ? 1 : 1 + treeSize(node.left) + treeSize(node.right)
}
