import { createHash } from 'node:crypto'
import { parse } from 'tldts'
import { subjectHost } from './subject.ts'

/**
 * The benign popularity set: hosts that HTTP Archive saw serving popular sites, from
 * third-party-web's domain map (npm, MIT; "host,entity pattern,category" lines). Ad and analytics
 * hosts are left out (an ad server labelled adware is no false positive), and so are "unknown"
 * ones (no entity vouches for them: the column holds trackers and junk too).
 */
export const BENIGN_CATEGORIES: ReadonlySet<string> = new Set([
  'cdn', 'consent-provider', 'content', 'customer-success', 'hosting', 'marketing', 'other', 'social',
  'tag-manager', 'utility', 'video'
])
/** one registered domain (googlevideo.com: 2,500 hosts) must not weigh as much as the rest together */
export const MAX_HOSTS_PER_DOMAIN = 100
/** longest line read; the real file's longest is under 200 characters */
const MAX_LINE = 1024

export interface PopularHosts {
  /** tuned and trained on (the shipped model learns these as benign) */
  tune: string[]
  /** never trained or tuned on: what false positives are reported on */
  heldOut: string[]
  /** registered domains in each half (no domain is in both) */
  domains: { tune: number, heldOut: number }
}

/** Hosts of the benign categories, normalised by subjectHost, deduplicated, sorted; malformed lines skipped. */
export function parseDomainMap (text: string): string[] {
  const hosts = new Set<string>()
  for (const line of text.split(/\r?\n/)) {
    if (line.length > MAX_LINE) continue
    const [name = '', , category = ''] = line.split(',')
    if (!BENIGN_CATEGORIES.has(category.trim())) continue
    const host = subjectHost('domain', name.trim())
    if (host !== undefined && parse(host).isIp !== true) hosts.add(host)
  }
  return [...hosts].toSorted()
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/**
 * Splits by registered domain (public suffix list, private suffixes included), so that hosts of
 * one domain never sit on both sides: a model that saw a.example.com has not seen b.example.com
 * for nothing. The side is the sha256 of the domain (first byte even: tune), which depends on the
 * domain alone, not on the list's order or size; at most MAX_HOSTS_PER_DOMAIN per domain, the
 * lowest by sha256. A salt draws another split of the same kind (the tune half split again to
 * choose thresholds without looking at the held-out half).
 */
export function splitPopularHosts (hosts: readonly string[], options: { salt?: string } = {}): PopularHosts {
  const salt = options.salt ?? ''
  const byDomain = new Map<string, string[]>()
  for (const h of hosts) {
    const d = parse(h, { allowPrivateDomains: true }).domain ?? h
    const list = byDomain.get(d)
    if (list === undefined) byDomain.set(d, [h])
    else list.push(h)
  }
  const out: PopularHosts = { tune: [], heldOut: [], domains: { tune: 0, heldOut: 0 } }
  for (const [domain, list] of byDomain) {
    const kept = list.map(h => ({ h, k: digest(h) })).toSorted((a, b) => a.k.compare(b.k)).slice(0, MAX_HOSTS_PER_DOMAIN).map(x => x.h)
    const side = ((digest(salt + domain)[0] ?? 0) & 1) === 0 ? 'tune' : 'heldOut'
    out[side].push(...kept)
    out.domains[side]++
  }
  out.tune.sort()
  out.heldOut.sort()
  return out
}
