/** Nearest-rank percentile of unsorted values (NaN for none), as the figures report it. */
export function percentile (values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = values.toSorted((x, y) => x - y)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

export interface Summary {
  count: number
  median: number
  p95: number
  p99: number
}

export function summarize (values: readonly number[]): Summary {
  return { count: values.length, median: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) }
}

/** Rounds for the JSON: figures stay readable and the bytes stay the same across platforms. */
export function round (x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x
  const f = 10 ** digits
  return Math.round(x * f) / f
}
