import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { getDomain } from 'tldts'
import { editDistanceWithin } from '../edit-distance.ts'

/**
 * eth-phishing-detect's data (its src/config.json from npm) with its own decision, as sets:
 * its checkDomain tests a host against each list entry "or subdomain thereof"; here the host's
 * suffixes up to its registered domain are looked up, so a check is a few Set lookups instead
 * of a scan of 13k entries. Order as in its detector: the whitelist wins over the blacklist,
 * the blacklist over the fuzzy list (a near match of a phishing target's name).
 */
export interface EthPhishingLists {
  block: ReadonlySet<string>
  allow: ReadonlySet<string>
  /** blacklisted IPv4 hosts (its blacklist holds a few) */
  blockIps: ReadonlySet<string>
  /** fuzzylist targets and their fuzzy forms (the name without its last label) */
  fuzzy: ReadonlyArray<{ target: string, form: string }>
  tolerance: number
  /** the package version the data came from */
  version: string
}

export type EthPhishingVerdict =
  | { type: 'allowlist' | 'blocklist', match: string }
  | { type: 'fuzzy', match: string }
  | { type: 'none' }

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/

export function parseEthPhishingConfig (json: string, version = 'unknown'): EthPhishingLists {
  const config = JSON.parse(json) as Record<string, unknown>
  const list = (key: string): string[] => {
    const value = config[key]
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').map(v => v.trim().toLowerCase().replace(/\.$/, '')).filter(v => v !== '') : []
  }
  const blacklist = list('blacklist')
  const tolerance = typeof config.tolerance === 'number' && Number.isInteger(config.tolerance) && config.tolerance >= 0 ? config.tolerance : 3
  return {
    block: new Set(blacklist.filter(d => !IPV4.test(d))),
    blockIps: new Set(blacklist.filter(d => IPV4.test(d))),
    allow: new Set(list('whitelist')),
    fuzzy: list('fuzzylist').map(target => ({ target, form: fuzzyForm(target) })),
    tolerance,
    version
  }
}

export async function loadEthPhishingLists (): Promise<EthPhishingLists> {
  const require = createRequire(import.meta.url)
  const [json, pkg] = await Promise.all([
    readFile(require.resolve('eth-phishing-detect/src/config.json'), 'utf8'),
    readFile(require.resolve('eth-phishing-detect/package.json'), 'utf8')
  ])
  return parseEthPhishingConfig(json, String((JSON.parse(pkg) as { version?: unknown }).version ?? 'unknown'))
}

/**
 * The host, then each parent name down to its registered domain (public suffix list, ICANN
 * section as eth-phishing-detect's lists assume: x.github.io walks to github.io). A host with
 * no registered domain (a bare suffix, garbage) is only itself.
 */
export function hostSuffixes (host: string): string[] {
  const registered = getDomain(host)
  const out = [host]
  if (registered == null || registered === host || !host.endsWith(`.${registered}`)) return out
  let rest = host
  while (rest !== registered) {
    rest = rest.slice(rest.indexOf('.') + 1)
    out.push(rest)
  }
  return out
}

/** `suffixes`: hostSuffixes(host), when the caller has it already */
export function checkEthPhishing (lists: EthPhishingLists, host: string, suffixes?: readonly string[]): EthPhishingVerdict {
  if (IPV4.test(host)) return lists.blockIps.has(host) ? { type: 'blocklist', match: host } : { type: 'none' }
  suffixes ??= hostSuffixes(host)
  const allowed = suffixes.find(s => lists.allow.has(s))
  if (allowed !== undefined) return { type: 'allowlist', match: allowed }
  const blocked = suffixes.find(s => lists.block.has(s))
  if (blocked !== undefined) return { type: 'blocklist', match: blocked }
  if (lists.tolerance > 0) {
    // as its detector: drop the last label, then the first "www."
    const form = fuzzyForm(host).replace('www.', '')
    const near = lists.fuzzy.find(f => editDistanceWithin(form, f.form, lists.tolerance))
    if (near !== undefined) return { type: 'fuzzy', match: near.target }
  }
  return { type: 'none' }
}

function fuzzyForm (name: string): string {
  const cut = name.lastIndexOf('.')
  return cut === -1 ? '' : name.slice(0, cut)
}
