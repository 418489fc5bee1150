/**
 * A sample's engine hits, drawn once when the world makes the sample (engines are deterministic). Below
 * both the world, which draws them, and the scan, which turns them into facts.
 */
import type { Rng } from '../prng.ts'
import type { DetectionParams } from './params.ts'

export interface EngineHits { clamav: boolean, yara: boolean, ml: boolean }

const ENGINES = ['clamav', 'yara', 'ml'] as const

/** A new sample's hits: malicious ones by rate x detectability (log-normal, median 1), benign by the false-positive rate. */
export function freshHits (rng: Rng, d: DetectionParams, malicious: boolean): EngineHits {
  const q = malicious ? rng.logNormal(1, d.detectabilitySigma) : 0
  const hit = (rate: number): boolean => rng.next() < (malicious ? Math.min(1, rate * q) : d.falsePositive)
  return { clamav: hit(d.clamav), yara: hit(d.yara), ml: hit(d.ml) }
}

/** A byte-appended variant: each engine keeps the source's result with variantStability, else draws afresh. */
export function variantHits (rng: Rng, d: DetectionParams, source: EngineHits): EngineHits {
  const keep = (engine: typeof ENGINES[number]): boolean => rng.next() < d.variantStability ? source[engine] : rng.next() < d[engine]
  return { clamav: keep('clamav'), yara: keep('yara'), ml: keep('ml') }
}
