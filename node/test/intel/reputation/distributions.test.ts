import tap from 'tap'
import type { Test } from 'tap'
import { erf, normalCdf, owensT, skewNormalCdf, truncatedNormalCdf } from '../../../src/intel/reputation/distributions.ts'

const close = (t: Test, got: number, want: number, tol: number, msg: string): void => {
  t.ok(Math.abs(got - want) <= tol, `${msg}: ${got} vs ${want}`)
}

tap.test('erf and Φ against reference values (scipy.special.erf / scipy.stats.norm.cdf)', async t => {
  close(t, erf(0), 0, 0, 'erf(0)')
  close(t, erf(0.5), 0.5204998778130465, 1e-15, 'erf(0.5)')
  close(t, erf(1), 0.8427007929497149, 1e-15, 'erf(1)')
  close(t, erf(3), 0.9999779095030014, 1e-15, 'erf(3)')
  close(t, erf(-1), -0.8427007929497149, 1e-15, 'erf is odd')
  close(t, normalCdf(0), 0.5, 0, 'Φ(0)')
  close(t, normalCdf(1), 0.8413447460685429, 1e-15, 'Φ(1)')
  close(t, normalCdf(1.96), 0.9750021048517795, 1e-15, 'Φ(1.96)')
  close(t, normalCdf(-5), 2.866515718791939e-7, 1e-20, 'Φ(−5), lower tail keeps relative precision')
  close(t, normalCdf(-30), 4.906713927148187e-198, 1e-210, 'Φ(−30)')
  t.equal(normalCdf(Infinity), 1)
  t.equal(normalCdf(-Infinity), 0)
  t.ok(Number.isNaN(normalCdf(Number.NaN)))
})

tap.test('truncated normal CDF: formula (1) and its edges', async t => {
  const p = { mu: 0, sigma: 1, a: -1, b: 2 }
  t.equal(truncatedNormalCdf(-1, p), 0, 'at a')
  t.equal(truncatedNormalCdf(-3, p), 0, 'below a')
  t.equal(truncatedNormalCdf(2, p), 1, 'at b')
  close(t, truncatedNormalCdf(1, p), (normalCdf(1) - normalCdf(-1)) / (normalCdf(2) - normalCdf(-1)), 1e-15, 'renormalised Φ inside')
  close(t, truncatedNormalCdf(1, p), 0.8339775028579717, 1e-12, 'scipy.stats.truncnorm.cdf(1, -1, 2)')
  let last = 0
  for (let x = -1; x <= 2; x += 0.05) {
    const v = truncatedNormalCdf(x, p)
    t.ok(v >= last - 1e-15, 'monotone')
    last = v
  }
  t.throws(() => truncatedNormalCdf(0, { mu: 0, sigma: 0, a: 0, b: 1 }), RangeError)
  t.throws(() => truncatedNormalCdf(0, { mu: 0, sigma: 1, a: 1, b: 1 }), RangeError)
})

tap.test("Owen's T: exact identities and a published value", async t => {
  for (const a of [0.1, 0.5, 1, 2, 10]) close(t, owensT(0, a), Math.atan(a) / (2 * Math.PI), 1e-14, `T(0, ${a}) = atan(a)/2π`)
  for (const h of [0.3, 1, 2.5]) close(t, owensT(h, 1), normalCdf(h) * (1 - normalCdf(h)) / 2, 1e-14, `T(${h}, 1) = Φ(h)(1−Φ(h))/2`)
  close(t, owensT(2, 0.5), 0.008625077985521507, 1e-15, 'T(2, 0.5) (Patefield & Tandy)')
  close(t, owensT(1, 3), -owensT(1, -3), 0, 'odd in a')
  close(t, owensT(-1.5, 2), owensT(1.5, 2), 0, 'even in h')
  t.equal(owensT(1, 0), 0)
  close(t, owensT(1, Infinity), (1 - normalCdf(1)) / 2, 1e-15, 'T(h, ∞) = (1 − Φ(|h|))/2')
})

tap.test('skew-normal CDF: formula (3) reduces to known forms', async t => {
  for (const x of [-2, -0.5, 0, 1.3]) close(t, skewNormalCdf(x, { xi: 0, omega: 1, alpha: 0 }), normalCdf(x), 1e-15, `α = 0 is Φ at ${x}`)
  for (const alpha of [-4, -1, 3]) close(t, skewNormalCdf(0, { xi: 0, omega: 1, alpha }), 0.5 - Math.atan(alpha) / Math.PI, 1e-14, `F(ξ) = 1/2 − atan(α)/π for α=${alpha}`)
  close(t, skewNormalCdf(1, { xi: 0, omega: 1, alpha: 1 }), normalCdf(1) ** 2, 1e-14, 'α = 1: F(x) = Φ(x)²')
  close(t, skewNormalCdf(3, { xi: 1, omega: 2, alpha: 1 }), normalCdf(1) ** 2, 1e-14, 'location and scale')
  close(t, skewNormalCdf(0.5, { xi: 0, omega: 1, alpha: 5 }) + skewNormalCdf(-0.5, { xi: 0, omega: 1, alpha: -5 }), 1, 1e-14, 'F(x; α) + F(−x; −α) = 1')
  t.equal(skewNormalCdf(1e9, { xi: 0, omega: 1, alpha: -4 }), 1)
  t.equal(skewNormalCdf(-1e9, { xi: 0, omega: 1, alpha: -4 }), 0)
  t.throws(() => skewNormalCdf(0, { xi: 0, omega: 0, alpha: 1 }), RangeError)
})
