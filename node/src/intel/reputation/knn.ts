/**
 * k-nearest neighbours on z-scored features (Euclidean), majority vote, ties broken by the
 * nearest neighbour's class: the paper's best binary model, untuned (k = 5 as scikit-learn's default).
 */
export interface KnnModel {
  k: number
  mean: number[]
  scale: number[]
  /** z-scored training rows */
  rows: number[][]
  /** the same rows end to end, for the distance loop (a scan reads ~12k rows of 22) */
  flat: Float64Array
  labels: string[]
}

export function fitKnn (x: readonly number[][], y: readonly string[], k = 5): KnnModel {
  const first = x[0]
  if (first === undefined || x.length !== y.length) throw new RangeError('knn needs as many labels as rows, at least one')
  const mean = first.map((_, j) => x.reduce((s, r) => s + (r[j] ?? 0), 0) / x.length)
  const scale = mean.map((m, j) => {
    const sd = Math.sqrt(x.reduce((s, r) => s + ((r[j] ?? 0) - m) ** 2, 0) / x.length)
    return sd > 1e-12 ? sd : 1
  })
  const rows = x.map(r => standardize(r, mean, scale))
  return { k, mean, scale, rows, flat: Float64Array.from(rows.flat()), labels: [...y] }
}

function standardize (r: readonly number[], mean: readonly number[], scale: readonly number[]): number[] {
  return mean.map((m, j) => ((r[j] ?? 0) - m) / (scale[j] ?? 1))
}

export interface KnnVote { label: string, votes: Record<string, number> }

export function predictKnn (m: KnnModel, row: readonly number[]): KnnVote {
  const z = standardize(row, m.mean, m.scale)
  // the k best (distance, index) pairs, ascending; a later index never passes an equal distance
  const best: Array<[number, number]> = []
  const dims = z.length
  const flat = m.flat
  for (let i = 0, base = 0; i < m.labels.length; i++, base += dims) {
    // a row stops being summed once it cannot enter the k best: squares only add, so the
    // partial sum already decides, and a row that is summed to the end gets the same value
    const worst = best.length < m.k ? Infinity : best[best.length - 1]![0]
    let d = 0
    for (let j = 0; j < dims && d < worst; j++) d += (z[j]! - flat[base + j]!) ** 2
    if (d < worst) {
      let at = best.length
      while (at > 0 && best[at - 1]![0] > d) at--
      best.splice(at, 0, [d, i])
      if (best.length > m.k) best.pop()
    }
  }
  const votes: Record<string, number> = {}
  const ranked = best.map(([, i]) => m.labels[i] ?? '')
  for (const c of ranked) votes[c] = (votes[c] ?? 0) + 1
  let label = ranked[0] ?? ''
  for (const c of ranked) if ((votes[c] ?? 0) > (votes[label] ?? 0)) label = c
  return { label, votes }
}
