import { domainToUnicode } from 'node:url'
import { parse } from 'tldts'
import { ABUSED_TLDS, BRAND_TOKENS, dictionaryHits } from './threat-dictionary.ts'
import type { NonBenignLabel } from './threat-dictionary.ts'

/** What the name alone says; every field is live offline (docs/reputation.md). */
export interface LexicalFeatures {
  hostLength: number
  /** the registered label without its public suffix ("nfts-mints" in a.nfts-mints.com) */
  labelLength: number
  digitRatio: number
  /** Shannon entropy (bits per character) of the registered label */
  entropy: number
  hyphens: number
  subdomainDepth: number
  abusedTld: number
  /** the suffix is a private one (netlify.app, webflow.io...): free hosting under someone else's name */
  privateSuffix: number
  punycode: number
  /** the unicode form holds characters outside ASCII (homograph material) */
  nonAscii: number
  brandImpersonation: number
  brandExact: number
  vowelRatio: number
  maxConsonantRun: number
  isIp: number
  dictionary: Record<NonBenignLabel, number>
}

const MAX_HOST = 253

/** Lexical features of a lowercase ASCII host (punycode for IDNs); pure. */
export function lexicalFeatures (host: string): LexicalFeatures {
  const h = host.slice(0, MAX_HOST)
  const p = parse(h, { allowPrivateDomains: true })
  const isIp = p.isIp === true
  const label = isIp ? '' : (p.domainWithoutSuffix ?? h)
  const subdomain = isIp ? '' : (p.subdomain ?? '')
  const suffix = p.publicSuffix ?? ''
  const tld = suffix.slice(suffix.lastIndexOf('.') + 1)
  const unicode = h.includes('xn--') ? domainToUnicode(h) : h
  const letters = label.replace(/[^a-z]/g, '')
  // a private suffix is listed in the public suffix list by its owner (googleapis.com by Google,
  // s3.amazonaws.com by Amazon): a brand inside it is the owner's; only what precedes it can imitate
  const named = p.isPrivate === true && suffix !== '' ? h.slice(0, Math.max(0, h.length - suffix.length - 1)) : h
  const brandsIn = BRAND_TOKENS.filter(b => named.includes(b))
  // the brand's own registered domain, any host under it (graph.instagram.com is Instagram's);
  // not on a free-hosting suffix, where anyone can take the brand's label (metamask.github.io)
  const brandExact = brandsIn.includes(label) && p.isPrivate !== true ? 1 : 0
  return {
    hostLength: h.length,
    labelLength: label.length,
    digitRatio: h.length === 0 ? 0 : countMatches(h, /[0-9]/g) / h.length,
    entropy: shannonEntropy(label),
    hyphens: countMatches(h, /-/g),
    subdomainDepth: subdomain === '' ? 0 : subdomain.split('.').length,
    abusedTld: ABUSED_TLDS.has(tld) ? 1 : 0,
    privateSuffix: p.isPrivate === true ? 1 : 0,
    punycode: h.split('.').some(l => l.startsWith('xn--')) ? 1 : 0,
    nonAscii: [...unicode].some(c => (c.codePointAt(0) ?? 0) > 0x7f) ? 1 : 0,
    brandImpersonation: brandsIn.length > 0 && brandExact === 0 ? 1 : 0,
    brandExact,
    vowelRatio: letters.length === 0 ? 0 : countMatches(letters, /[aeiou]/g) / letters.length,
    maxConsonantRun: Math.max(0, ...label.split(/[^bcdfghjklmnpqrstvwxyz]+/).map(r => r.length)),
    isIp: isIp ? 1 : 0,
    dictionary: dictionaryHits(h)
  }
}

function countMatches (s: string, re: RegExp): number {
  return s.match(re)?.length ?? 0
}

export function shannonEntropy (s: string): number {
  if (s.length === 0) return 0
  const counts = new Map<string, number>()
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1)
  let e = 0
  for (const n of counts.values()) {
    const q = n / s.length
    e -= q * Math.log2(q)
  }
  return e
}
