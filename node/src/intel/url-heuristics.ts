import { parse } from 'tldts'
import type { Judgement } from './indicator-engine.ts'

/** A named property of a URL and how much it says; findings add up to a verdict. */
export interface UrlFinding {
  name: string
  weight: number
  /** enough on its own to call the URL malicious */
  conclusive?: boolean
}

/** weights that add up to this make a URL suspicious; one conclusive finding makes it malicious */
export const SUSPICIOUS_SCORE = 3
const LONG_URL = 200
const MAX_SUBDOMAIN_LABELS = 4
const ENCODED_SHARE = 0.3
/** a long base64/base64url run mixing cases and digits: a payload, not a slug or a path */
const ENCODED_RUN = /[A-Za-z0-9+_-]{80,}={0,2}/g
/** TLDs that abuse reports (Spamhaus, Interisle) rank high: weak alone, never decisive */
const ABUSED_TLDS = new Set(['zip', 'mov', 'top', 'xyz', 'tk', 'ml', 'ga', 'cf', 'gq', 'click', 'country', 'work', 'rest', 'cam', 'icu', 'sbs', 'cfd', 'lol'])
const DEFAULT_PORTS = new Set(['', '80', '443'])

/**
 * Structural signs of a phishing or malware URL, from the URL alone (no fetch): scripts and
 * documents hidden in data:/javascript: URLs, IP hosts, credentials or a domain before '@',
 * deep subdomains, long or encoded paths, odd ports, a URL inside the query. Brand imitation
 * is the look-alike engine's. Pure; all work is linear in the URL's length (<= 2048 bytes).
 */
export function urlFindings (text: string): UrlFinding[] {
  if (!URL.canParse(text)) return []
  const url = new URL(text)
  const findings: UrlFinding[] = []
  if (url.protocol === 'javascript:') return [{ name: 'javascript-url', weight: SUSPICIOUS_SCORE, conclusive: true }]
  if (url.protocol === 'data:') {
    const type = url.pathname.slice(0, 64).toLowerCase()
    return /^(text\/html|application\/(x-)?javascript|text\/javascript|image\/svg)/.test(type)
      ? [{ name: 'data-url-document', weight: SUSPICIOUS_SCORE, conclusive: true }]
      : [{ name: 'data-url', weight: 2 }]
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const parsed = parse(host, { allowPrivateDomains: true })
  // loopback is a developer's own machine (a local RPC node, a dev server), not a hiding place
  if (parsed.isIp === true && !/^(127\.|::1$)/.test(host)) findings.push({ name: 'ip-host', weight: 2 })
  if (url.username !== '' || url.password !== '') {
    // http://paypal.com@evil.example/ reads as paypal.com to a hurried eye
    const user = decodeSafe(url.username)
    findings.push(/\.[a-z]{2,}$/i.test(user) ? { name: 'deceptive-userinfo', weight: SUSPICIOUS_SCORE, conclusive: true } : { name: 'credentials-in-url', weight: 3 })
  }
  const subdomainLabels = (parsed.subdomain ?? '').split('.').filter((l) => l !== '')
  if (subdomainLabels.length > MAX_SUBDOMAIN_LABELS) findings.push({ name: 'deep-subdomain', weight: 1 })
  if (host.startsWith('xn--') || host.includes('.xn--')) findings.push({ name: 'punycode-host', weight: 1 })
  if (!DEFAULT_PORTS.has(url.port)) findings.push({ name: 'non-standard-port', weight: 1 })
  if (text.length > LONG_URL) findings.push({ name: 'long-url', weight: 1 })
  const rest = url.pathname + url.search
  const escapes = rest.match(/%[0-9a-f]{2}/gi)?.length ?? 0
  if (rest.length >= 30 && (escapes * 3) / rest.length > ENCODED_SHARE) findings.push({ name: 'encoded-path', weight: 2 })
  if ((rest.match(ENCODED_RUN) ?? []).some((run) => /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run))) findings.push({ name: 'encoded-segment', weight: 1 })
  if (/[?&][^=]*=(https?|ftp)(:|%3a)/i.test(url.search)) findings.push({ name: 'url-in-query', weight: 1 })
  if (parsed.publicSuffix != null && ABUSED_TLDS.has(parsed.publicSuffix)) findings.push({ name: 'abused-tld', weight: 1 })
  return findings
}

export function judgeUrl (text: string): Judgement {
  const findings = urlFindings(text)
  const conclusive = findings.find((f) => f.conclusive === true)
  if (conclusive !== undefined) return { category: 'malicious', result: conclusive.name }
  const score = findings.reduce((sum, f) => sum + f.weight, 0)
  if (score < SUSPICIOUS_SCORE) return { category: 'undetected', result: '' }
  // the label names the heaviest findings, so an analyst sees why without the engine's source
  const names = findings.toSorted((a, b) => b.weight - a.weight).slice(0, 3).map((f) => f.name)
  return { category: 'suspicious', result: names.join('+') }
}

function decodeSafe (s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
