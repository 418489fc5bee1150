/**
 * The two CDFs the paper normalises its network features with (its formulas 1 and 3), written
 * out here so the model has no numeric dependency: the truncated normal for an engine detection
 * count and the skew normal (through Owen's T) for the related files' maximum detection count.
 */

const SQRT2 = Math.SQRT2
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI)

/** erf by its Taylor series near 0 and erfc's continued fraction (Lentz) further out; ~1e-14. */
export function erf (x: number): number {
  if (Number.isNaN(x)) return Number.NaN
  if (x < 0) return -erf(-x)
  if (x < 2.5) {
    let term = x
    let sum = x
    for (let n = 1; n < 200; n++) {
      term *= -x * x / n
      const add = term / (2 * n + 1)
      sum += add
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break
    }
    return TWO_OVER_SQRT_PI * sum
  }
  return 1 - erfcLarge(x)
}

/** erfc(x) for x >= 2.5: erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) */
function erfcLarge (x: number): number {
  if (x > 27) return 0
  const tiny = 1e-300
  let f = x
  let c = x
  let d = 0
  for (let n = 1; n < 300; n++) {
    const an = n / 2
    d = x + an * d
    d = d === 0 ? tiny : 1 / d
    c = x + an / c
    if (c === 0) c = tiny
    const delta = c * d
    f *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f
}

/** standard normal CDF Φ */
export function normalCdf (x: number): number {
  if (x === Infinity) return 1
  if (x === -Infinity) return 0
  if (x < -2.5 * SQRT2) return erfcLarge(-x / SQRT2) / 2
  return (1 + erf(x / SQRT2)) / 2
}

export interface TruncatedNormal { mu: number, sigma: number, a: number, b: number }

/** The paper's formula (1): 0 at or below a, 1 at or above b, the renormalised Φ in between. */
export function truncatedNormalCdf (x: number, p: TruncatedNormal): number {
  if (!(p.sigma > 0) || !(p.b > p.a)) throw new RangeError('truncated normal needs sigma > 0 and b > a')
  if (Number.isNaN(x)) return Number.NaN
  if (x <= p.a) return 0
  if (x >= p.b) return 1
  const lo = normalCdf((p.a - p.mu) / p.sigma)
  const hi = normalCdf((p.b - p.mu) / p.sigma)
  return (normalCdf((x - p.mu) / p.sigma) - lo) / (hi - lo)
}

/** Owen's T(h, a) = 1/2π ∫₀ᵃ exp(-h²(1+x²)/2) / (1+x²) dx */
export function owensT (h: number, a: number): number {
  if (Number.isNaN(h) || Number.isNaN(a)) return Number.NaN
  if (a < 0) return -owensT(h, -a)
  if (a === 0) return 0
  h = Math.abs(h)
  if (a === Infinity) return h === 0 ? 0.25 : (1 - normalCdf(h)) / 2
  if (a <= 1) return integrateOwen(h, a)
  // T(h,a) + T(ah,1/a) = Φ(h)/2 + Φ(ah)/2 − Φ(h)Φ(ah) for h >= 0: keeps the integral on [0, 1]
  const ah = a * h
  const ph = normalCdf(h)
  const pah = normalCdf(ah)
  return ph / 2 + pah / 2 - ph * pah - integrateOwen(ah, 1 / a)
}

/** 64-point composite Gauss-Legendre (8 panels of 8 nodes) on [0, a], a <= 1: smooth integrand. */
function integrateOwen (h: number, a: number): number {
  const hh = h * h / 2
  const f = (x: number): number => Math.exp(-hh * (1 + x * x)) / (1 + x * x)
  const panels = 8
  const width = a / panels
  let sum = 0
  for (let p = 0; p < panels; p++) {
    const mid = (p + 0.5) * width
    for (let i = 0; i < GL_X.length; i++) {
      const dx = GL_X[i]! * width / 2
      sum += GL_W[i]! * (f(mid - dx) + f(mid + dx))
    }
  }
  return sum * width / 2 / (2 * Math.PI)
}

// 8-point Gauss-Legendre nodes (positive half) and weights
const GL_X = [0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363]
const GL_W = [0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763]

export interface SkewNormal { xi: number, omega: number, alpha: number }

/** The paper's formula (3): F(x) = Φ((x−ξ)/ω) − 2T((x−ξ)/ω, α). */
export function skewNormalCdf (x: number, p: SkewNormal): number {
  if (!(p.omega > 0)) throw new RangeError('skew normal needs omega > 0')
  if (Number.isNaN(x)) return Number.NaN
  const z = (x - p.xi) / p.omega
  const v = normalCdf(z) - 2 * owensT(z, p.alpha)
  return Math.min(1, Math.max(0, v))
}
