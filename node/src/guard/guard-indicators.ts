// What a block becomes on the network (issue 15 item 5), with the user's consent (--report-to):
// indicator submissions naming what the guard found bad, never the user's transaction. Pure.
// - each offending address as CAIP-10 on the chain the guard judged on: the spender, recipient,
//   listed address or order recipient a block finding names, and for a balance drop where the
//   user's assets go; never the user, the zero address, an allowlisted or well-known spender;
// - the page's domain and URL (without query or fragment), unless the only block is address
//   poisoning, which the user's clipboard brings, not the page; a listed page framing this one
//   is reported instead of the frame;
// - the page's script hashes (the listed ones first) when a finding implicates the page itself.
// `context` carries the rule ids and the evidence the network may see: not amounts, balances, the
// user's past recipients, or calldata. A member engine counts these only over distinct submitters.
import { ZeroAddress } from 'ethers'
import { canonicalizeIndicator } from '#protocol/indicators.ts'
import { isContextText } from '#protocol/encoding.ts'
import { CONTEXT_PREFIX } from '../intel/guard-reports.ts'
import type { Finding, PageContext } from './finding.ts'
import type { GuardResult } from './guard.ts'
import type { Address } from './input.ts'
import { pageHost } from './rules/malicious.ts'
import { WELL_KNOWN_SPENDERS } from './well-known.ts'

export type GuardIndicatorKind = 'domain' | 'url' | 'wallet' | 'script'

export interface GuardIndicator { kind: GuardIndicatorKind, subject: string, context: string }

export const MAX_REPORTED_ADDRESSES = 8
export const MAX_REPORTED_SCRIPTS = 8
// the members' guard-reports engine recognises a report by it, so it lives beside that engine
export { CONTEXT_PREFIX }

/** findings about the page itself, not only about the request it made */
const PAGE_FINDINGS: ReadonlySet<string> = new Set(['malicious-domain', 'lookalike-domain', 'malicious-script', 'scripted-prompts'])
/** evidence keys that name an offending address */
const ADDRESS_KEYS = ['spender', 'recipient', 'address', 'contract', 'considerationRecipients', 'feeRecipients', 'bait', 'baitFrom'] as const
/** evidence keys the network may see */
const PUBLIC_KEYS: ReadonlySet<string> = new Set(['token', 'via', 'spender', 'recipient', 'address', 'contract', 'listedOn', 'host', 'match', 'framedBy', 'list', 'sha256', 'asset', 'ageSeconds', 'danger', 'ungesturedConnects', 'windowSeconds', 'methods', 'considerationRecipients', 'feeRecipients', 'collection', 'bait', 'baitFrom', 'reason'])
const ADDRESS = /^0x[0-9a-f]{40}$/

export interface GuardIndicatorOptions {
  /** the chain the guard judged on; undefined: no address is reported (its CAIP-10 is unknown) */
  chainId?: number
  /** the user's allowlist (well-known spenders are added) */
  allowlist?: ReadonlySet<Address>
}

export function guardIndicators (result: Pick<GuardResult, 'decision' | 'findings' | 'simulation' | 'request'>, page: PageContext, options: GuardIndicatorOptions = {}): GuardIndicator[] {
  const blocks = result.findings.filter(f => f.level === 'block')
  if (result.decision !== 'block' || blocks.length === 0) return []
  const context = contextOf(blocks)
  const out: GuardIndicator[] = []
  const add = (kind: GuardIndicatorKind, raw: string): boolean => {
    try {
      const subject = canonicalizeIndicator(kind, raw)
      if (!out.some(i => i.kind === kind && i.subject === subject)) out.push({ kind, subject, context })
      return true
    } catch {
      // not a valid subject of its kind (a hostile origin, say): not reported
      return false
    }
  }
  const user = result.request.from
  const skip = new Set<string>([ZeroAddress, ...user === undefined ? [] : [user], ...WELL_KNOWN_SPENDERS, ...options.allowlist ?? []])
  if (options.chainId !== undefined) {
    const addresses = new Set<string>()
    for (const f of blocks) {
      for (const key of ADDRESS_KEYS) for (const v of [f.evidence[key]].flat()) if (typeof v === 'string' && ADDRESS.test(v)) addresses.add(v)
      if (f.id === 'balance-drop' && result.simulation.status === 'ok') {
        for (const t of result.simulation.effects.transfers) if (t.from === user) addresses.add(t.to)
      }
    }
    for (const address of [...addresses].filter(a => !skip.has(a)).slice(0, MAX_REPORTED_ADDRESSES)) add('wallet', `eip155:${options.chainId}:${address}`)
  }
  // a listed page framing this one is what is reported, not the frame it framed
  const framing = blocks.filter(f => typeof f.evidence.framedBy === 'string').map(f => String(f.evidence.framedBy))
  for (const h of framing) {
    const origin = page.ancestors?.find(a => pageHost(a) === h)
    if (add('domain', h) && origin !== undefined) add('url', `${new URL(origin).origin}/`)
  }
  const host = framing.length > 0 ? undefined : pageHost(page.origin)
  if (host !== undefined && !blocks.every(f => f.id === 'address-poisoning')) {
    // a page on no public domain (localhost, an IP) names nothing the network can use
    if (add('domain', host)) add('url', pageUrl(page) ?? `${new URL(page.origin as string).origin}/`)
  }
  if (result.findings.some(f => PAGE_FINDINGS.has(f.id))) {
    const listed = result.findings.filter(f => f.id === 'malicious-script').map(f => String(f.evidence.sha256))
    for (const h of [...new Set([...listed, ...page.scriptHashes ?? []])].slice(0, MAX_REPORTED_SCRIPTS)) add('script', h)
  }
  return out
}

/** the page's URL without query and fragment, on the page's own origin; undefined for anything else */
function pageUrl (page: PageContext): string | undefined {
  if (page.url === undefined || page.origin === undefined || !URL.canParse(page.url)) return undefined
  const url = new URL(page.url)
  if (url.origin !== new URL(page.origin).origin) return undefined
  return `${url.origin}${url.pathname}`
}

/** the rule ids and their public evidence, as much as fits the network's context limit */
function contextOf (blocks: readonly Finding[]): string {
  const ids = [...new Set(blocks.map(f => f.id))].join(', ')
  const bare = `${CONTEXT_PREFIX}: ${ids}`
  const evidence = blocks.map(f => ({ rule: f.id, ...Object.fromEntries(Object.entries(f.evidence).filter(([k]) => PUBLIC_KEYS.has(k))) }))
  for (let n = evidence.length; n > 0; n--) {
    const text = `${bare} ${JSON.stringify(evidence.slice(0, n))}`
    if (isContextText(text)) return text
  }
  return isContextText(bare) ? bare : CONTEXT_PREFIX
}
