// The patent's first check: any address (on the chain judged on), the page's domain or a page-script hash on the
// malicious list blocks. eth-phishing-detect's blocklist counts as the list for domains; its
// fuzzy match (a near miss of a known target's name) only warns.
import { checkEthPhishing, hostSuffixes } from '../../intel/lists/eth-phishing-lists.ts'
import { finding, type Finding, type RuleInput } from '../finding.ts'
import { allAddresses } from '../involved.ts'

export function maliciousRule (input: RuleInput): Finding[] {
  const out: Finding[] = []
  for (const address of allAddresses(input.request, input.simulation)) {
    const listed = listedOn(input.malicious.addresses, address, input.chainId)
    if (listed !== undefined) out.push(finding('malicious-address', 'block', `${address} is on the malicious list`, { address, listedOn: listed }))
  }
  // the page, then (in a frame) each page around it: a listed page framing a clean dapp is the listed page's doing
  const own = pageHost(input.page.origin)
  const hosts = [own, ...(input.page.ancestors ?? []).map(pageHost)].filter((h, n, all): h is string => h !== undefined && all.indexOf(h) === n)
  for (const host of hosts) {
    const framing = host === own ? {} : { framedBy: host }
    const where = host === own ? host : `${host}, which frames this page,`
    const suffixes = hostSuffixes(host)
    const listed = suffixes.find(s => input.malicious.domains.has(s))
    const verdict = input.phishing === undefined ? { type: 'none' as const } : checkEthPhishing(input.phishing, host, suffixes)
    if (listed !== undefined) out.push(finding('malicious-domain', 'block', `${where} is on the malicious list`, { host, match: listed, ...framing }))
    else if (verdict.type === 'blocklist') out.push(finding('malicious-domain', 'block', `${where} is a known phishing site`, { host, match: verdict.match, list: 'eth-phishing-detect', ...framing }))
    else if (verdict.type === 'fuzzy') out.push(finding('lookalike-domain', 'warn', `${where} looks like ${verdict.match}`, { host, imitates: verdict.match, list: 'eth-phishing-detect', ...framing }))
  }
  for (const hash of input.page.scriptHashes ?? []) {
    const h = hash.toLowerCase().replace(/^0x/, '')
    if (input.malicious.scriptHashes.has(h)) out.push(finding('malicious-script', 'block', 'the page runs a script on the malicious list', { sha256: h }))
  }
  return out
}

/**
 * Where `address` is listed: 'any-chain' (a bare address, the user's own entry), the chain id of a
 * CAIP-10 entry for the chain the guard judges on (a wallet subject is chain-specific: the same
 * address on another chain may be someone else's), or, when the chain is unknown, the first
 * chain listing it (failing safe). Undefined: not listed.
 */
export function listedOn (addresses: ReadonlySet<string>, address: string, chainId: number | undefined): string | undefined {
  if (addresses.has(address)) return 'any-chain'
  if (chainId !== undefined) return addresses.has(`eip155:${chainId}:${address}`) ? `eip155:${chainId}` : undefined
  for (const entry of addresses) if (entry.endsWith(`:${address}`)) return entry.slice(0, entry.lastIndexOf(':'))
  return undefined
}

/** the lowercase host of an http(s) origin; undefined for anything else */
export function pageHost (origin: string | undefined): string | undefined {
  if (origin === undefined || origin.length > 2048 || !URL.canParse(origin)) return undefined
  const url = new URL(origin)
  return /^https?:$/.test(url.protocol) && url.hostname !== '' ? url.hostname.toLowerCase().replace(/\.$/, '') : undefined
}
