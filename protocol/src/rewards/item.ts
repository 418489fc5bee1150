/**
 * The reward item of a report (SPEC section 17, rule 1): what "first", "settled" and "confirmed later"
 * count per. A file is its sha256; an IP, a wallet, a script is its canonical subject's hash (the job's
 * sha256). A URL and a domain are the registrable domain of their host, hashed as a `domain` job's
 * subject is, so a farm of 1,000 URLs (or subdomains) on one phishing domain is one item, paid once, and
 * a URL report and a domain report on that domain are the same item.
 *
 * Consensus-critical: every member must derive the same item, so the Public Suffix List the registrable
 * domain is read from is part of the reward function. `tldts` (which embeds the list) and `tldts-core`
 * are pinned to exact versions in package.json; a new list is a new reward function, scheduled by
 * governance from an epoch on like any other change of it.
 *
 * ICANN section only: a PSL private-section suffix (github.io, blogspot.com, duckdns.org, ngrok.io, ...)
 * is a service whose customers get subdomains for free, so with it each free subdomain would be an item
 * of its own and a farm would mint items at no cost. Without it, every phishing page on such a host is
 * one item (the first find pays, later ones do not until the item is no longer settled): fewer paid finds
 * on shared hosts, but an item always costs a registration under an ICANN suffix.
 */
import { getDomain } from 'tldts'
import { indicatorSha256 } from '../indicators.ts'
import type { Hex, SampleKind } from '../messages.ts'

/**
 * Kinds whose item is one subject: a report of the same item and kind is of the same bytes or subject (a URL's
 * or domain's item holds every page and host under its registrable domain).
 */
export function isOneSubjectKind (kind: SampleKind): boolean {
  return kind === 'file' || kind === 'ip' || kind === 'wallet' || kind === 'script'
}

/** The PSL lookup: ICANN rules only; the host is already canonical, so tldts neither re-parses nor validates it. */
const PSL_OPTIONS = { allowIcannDomains: true, allowPrivateDomains: false, detectIp: false, extractHostname: false, validateHostname: false, mixedInputs: false } as const

/** Schemes whose URLs have a host (the others accepted, data: and javascript:, carry their document inline). */
const HOSTED = new Set(['http:', 'https:', 'ftp:'])
const IPV4 = /^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$/
/** Longer than any URL or domain subject a job can carry (MAX_URL_BYTES): not a subject, so no host. */
const MAX_SUBJECT = 8192

/** What a URL's or domain's item is the hash of: the registrable domain, or an IP literal, or the host when it has no registrable domain. */
export interface RewardKey {
  kind: 'domain' | 'ip'
  subject: string
}

/**
 * The key of a host as the WHATWG URL parser writes it (lowercase, punycode, IPv6 bracketed): an IP
 * literal is itself; a name is its registrable domain under the ICANN section (one trailing dot and
 * case do not count), or itself when it has none (a bare public suffix such as `co.uk`, `localhost`).
 */
export function hostRewardKey (host: string): RewardKey {
  if (host.startsWith('[') && host.endsWith(']')) return { kind: 'ip', subject: host.slice(1, -1) }
  if (IPV4.test(host)) return { kind: 'ip', subject: host }
  const name = (host.length > 1 && host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase()
  return { kind: 'domain', subject: getDomain(name, PSL_OPTIONS) ?? name }
}

/** The key of a URL or domain subject; undefined for other kinds and for a URL without a host (data:, javascript:). Never throws. */
export function rewardKeyOf (kind: SampleKind, subject: string): RewardKey | undefined {
  if (typeof subject !== 'string' || subject.length > MAX_SUBJECT) return undefined
  if (kind === 'domain') return subject === '' ? undefined : hostRewardKey(subject)
  if (kind !== 'url') return undefined
  let url: URL
  try {
    url = new URL(subject)
  } catch {
    return undefined
  }
  return HOSTED.has(url.protocol) && url.hostname !== '' ? hostRewardKey(url.hostname) : undefined
}

/** A report's reward item: its key's hash for a URL or a domain with a host, else the job's sha256 (lowercase). */
export function rewardItemOf (kind: SampleKind, sha256: Hex, subject: string): Hex {
  const key = rewardKeyOf(kind, subject)
  return key === undefined ? sha256.toLowerCase() as Hex : indicatorSha256(key.subject)
}
