import { domainToUnicode } from 'node:url'
import { parse } from 'tldts'
import { scriptsOf, skeleton } from './confusables.ts'
import { editDistanceWithin } from './edit-distance.ts'
import type { BrandData } from './brands.ts'
import type { Judgement } from './indicator-engine.ts'

/** brands shorter than this are too easy to hit by accident with an edit or as a substring */
const MIN_FUZZY_LENGTH = 5
const MIN_COMBO_LENGTH = 6

/**
 * Does this host imitate a protected name? Checks, strongest first: a homograph (an IDN label
 * whose skeleton is a brand's), a confusable spelling (digits, "rn" for "m"), the brand inside a
 * subdomain of someone else's domain, the brand's label under another suffix, a typo within the
 * tolerance, the brand inside a longer name, and mixed scripts in one label. Allowlisted hosts
 * and the brands' own domains are harmless. Pure; work is bounded by the brand count.
 */
export function judgeHost (host: string, brands: BrandData): Judgement {
  const parsed = parse(host, { allowPrivateDomains: true })
  if (parsed.isIp === true || parsed.domain == null || parsed.domainWithoutSuffix == null) return { category: 'undetected', result: '' }
  const hostname = parsed.hostname ?? host
  if (brands.allow.has(hostname) || brands.allow.has(parsed.domain)) return { category: 'harmless', result: '' }

  const ascii = parsed.domainWithoutSuffix
  const unicode = ascii.startsWith('xn--') ? domainToUnicode(`${ascii}.invalid`).replace(/\.invalid$/, '') : ascii
  const shape = skeleton(unicode)
  const subdomain = `.${parsed.subdomain ?? ''}.`

  for (const { domain: brand, label, shape: brandShape } of brands.protectedBrands) {
    if (shape === brandShape && unicode !== ascii) return { category: 'malicious', result: `homograph:${brand}` }
    if (shape === brandShape && ascii !== label) return { category: 'malicious', result: `lookalike:${brand}` }
    if (subdomain.includes(`.${brand}.`) || subdomain.includes(`.${label}.`)) return { category: 'malicious', result: `deceptive-subdomain:${brand}` }
    if (ascii === label) return { category: 'suspicious', result: `lookalike-suffix:${brand}` }
    if (brandShape.length >= MIN_FUZZY_LENGTH && editDistanceWithin(shape, brandShape, brands.tolerance, { transpositions: true })) {
      return { category: 'suspicious', result: `lookalike:${brand}` }
    }
    if (brandShape.length >= MIN_COMBO_LENGTH && shape.includes(brandShape)) return { category: 'suspicious', result: `brand-in-name:${brand}` }
  }
  // a popular site's full domain inside a subdomain of another (paypal.com.secure-login.xyz)
  for (const popular of brands.popularDomains) {
    if (subdomain.includes(`.${popular}.`)) return { category: 'suspicious', result: `deceptive-subdomain:${popular}` }
  }
  const scripts = scriptsOf(unicode)
  if (scripts.size > 1) return { category: 'suspicious', result: 'mixed-script' }
  return { category: 'undetected', result: '' }
}
