/** Seeds per point and the median with its 10-90% band, as every economy figure reports them. */
import { percentile, round } from '../stats.ts'

export interface Band { median: number, p10: number, p90: number }

export function band (values: readonly number[], digits = 3): Band {
  return { median: round(percentile(values, 50), digits), p10: round(percentile(values, 10), digits), p90: round(percentile(values, 90), digits) }
}

/** The seeds of a point: derived from the run's seed, so `--seed` moves all of them. */
export const seedsOf = (seed: number, count: number): number[] => Array.from({ length: count }, (_, i) => seed * 1000 + i)

/** Return on cost: what a type got back per VMT spent, minus the VMT (negative: a loss). */
export const returnOnCost = (reward: number, cost: number): number => cost === 0 ? (reward > 0 ? Number.POSITIVE_INFINITY : 0) : (reward - cost) / cost
