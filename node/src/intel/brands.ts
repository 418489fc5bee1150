import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { parse } from 'tldts'
import { skeleton } from './confusables.ts'
import { DEFAULT_RANKS_PATH, parseRanks } from './reputation/guards.ts'

/**
 * What look-alike and URL checks protect and trust: the names phishers imitate (eth-phishing-
 * detect's fuzzylist plus the operator's), and the allowlist that keeps real sites from being
 * flagged (eth-phishing-detect's whitelist, the top-sites list, the operator's). Names are
 * registered domains (tldts, public suffix list), so "www.metamask.io" protects "metamask.io".
 */
export interface BrandData {
  /** registered domains imitated by phishers, with the label and its skeleton every check compares against */
  protectedBrands: ReadonlyArray<{ domain: string, label: string, shape: string }>
  /** registered domains of the most visited sites (top-sites): imitated in subdomains too */
  popularDomains: readonly string[]
  /** registered domains and hosts never flagged as look-alikes */
  allow: ReadonlySet<string>
  /** eth-phishing-detect's edit-distance tolerance for its fuzzylist */
  tolerance: number
}

export interface BrandOptions {
  protectedDomains?: readonly string[]
  allowlist?: readonly string[]
  /** leave eth-phishing-detect's lists out (an operator with their own) */
  ethPhishingDetect?: boolean
  /** trust the top-sites list and eth-phishing-detect's whitelist (default); off only to measure what they hide */
  allowKnownGood?: { topSites: boolean, ethWhitelist: boolean }
}

interface EthPhishingConfig { tolerance: number, fuzzylist: string[], whitelist: string[] }

export function registeredDomain (host: string): string {
  return parse(host, { allowPrivateDomains: true }).domain ?? host
}

export async function loadBrandData (options: BrandOptions = {}): Promise<BrandData> {
  const useEth = options.ethPhishingDetect ?? true
  const require = createRequire(import.meta.url)
  const [ranks, eth] = await Promise.all([
    readFile(DEFAULT_RANKS_PATH, 'utf8').then(parseRanks),
    useEth ? readFile(require.resolve('eth-phishing-detect/src/config.json'), 'utf8').then((t) => JSON.parse(t) as EthPhishingConfig) : undefined
  ])
  const protectedDomains = new Set([...(eth?.fuzzylist ?? []), ...(options.protectedDomains ?? [])].map((d) => registeredDomain(d.toLowerCase())))
  const allow = new Set<string>()
  const known = options.allowKnownGood ?? { topSites: true, ethWhitelist: true }
  const trusted = [...(known.topSites ? ranks.keys() : []), ...(known.ethWhitelist ? eth?.whitelist ?? [] : [])]
  for (const host of [...trusted, ...(options.allowlist ?? []), ...protectedDomains]) {
    const h = host.toLowerCase()
    allow.add(h)
    allow.add(registeredDomain(h))
  }
  const popularDomains = new Set([...ranks.keys()].map(registeredDomain).filter((d) => d.includes('.')))
  // parsed once here: every look-alike check compares a host against each brand
  const protectedBrands = [...protectedDomains].toSorted().map((domain) => {
    const label = parse(domain, { allowPrivateDomains: true }).domainWithoutSuffix ?? domain
    return { domain, label, shape: skeleton(label) }
  })
  return { protectedBrands, popularDomains: [...popularDomains].toSorted(), allow, tolerance: eth?.tolerance ?? 1 }
}
