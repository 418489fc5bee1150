import { canonicalIndicatorOr, isIndicatorKind } from '#protocol/index.ts'
import type { IndicatorKind } from '#protocol/messages.ts'
import { UsageError } from './usage-error.ts'

/** What `virusmap lookup` was given: a file hash, or an indicator in its canonical form. */
export type LookupInput = { kind: 'file', hash: string } | { kind: IndicatorKind, subject: string }

const FILE_HASH = /^(?:0x)?(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/
const WALLET = /^(?:eip155:[0-9]+:)?0x[0-9a-fA-F]{40}$/i
const IPV6ISH = /^\[?[0-9a-fA-F:.]+\]?$/
const IPV4ISH = /^[0-9.]+$/
/** a scheme, or a path/query after a host: a URL rather than a domain */
const URLISH = /^[a-z][a-z0-9+.-]*:|[/?#]/i
export const LOOKUP_KINDS = ['file', 'url', 'domain', 'ip', 'wallet', 'script'] as const

export function canonical (kind: IndicatorKind, text: string): string {
  return canonicalIndicatorOr(kind, text, (err) => { throw new UsageError(`not a valid ${kind}: ${err.message}`) })
}

/**
 * Decides by shape (or `forced`): 0x + 40 hex or CAIP-10 is a wallet, hex of 32/40/64 digits a
 * file hash (a page script's sha256 needs --kind script, a 0x-prefixed sha1 --kind file), digits and dots or colons an IP, a
 * scheme or a path a URL, anything else a domain. Pure.
 */
export function classifyLookup (text: string, forced?: string): LookupInput {
  if (forced !== undefined && !(LOOKUP_KINDS as readonly string[]).includes(forced)) throw new UsageError(`--kind must be one of ${LOOKUP_KINDS.join(', ')}`)
  const kind = forced ?? (WALLET.test(text) ? 'wallet' : FILE_HASH.test(text) ? 'file' : IPV4ISH.test(text) || (text.includes(':') && IPV6ISH.test(text)) ? 'ip' : URLISH.test(text) ? 'url' : 'domain')
  if (kind === 'file') {
    if (!FILE_HASH.test(text)) throw new UsageError(`not a sha256, sha1 or md5: ${text.slice(0, 80)}`)
    return { kind, hash: text.replace(/^0x/i, '').toLowerCase() }
  }
  if (!isIndicatorKind(kind)) throw new UsageError(`--kind must be one of ${LOOKUP_KINDS.join(', ')}`)
  return { kind, subject: canonical(kind, text) }
}
