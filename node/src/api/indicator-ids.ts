import { canonicalIndicatorOr, IndicatorError, urlFromVtId } from '#protocol/index.ts'
import { indicatorSha256 } from '#protocol/indicators.ts'
import type { Hex, IndicatorKind } from '#protocol/messages.ts'
import { ApiError } from '../vt/errors.ts'
import { bareHex } from './ids.ts'

const SHA256_HEX = /^[0-9a-f]{64}$/i

/** A lookup key: the canonical subject, or (URLs only) the sha256 of the canonical subject. */
export type IndicatorKey = { kind: IndicatorKind, subject: string } | { kind: IndicatorKind, sha256: Hex }

function invalid (err: unknown, what: string): never {
  if (err instanceof IndicatorError) throw new ApiError('InvalidArgumentError', `${what}: ${err.message}`)
  throw err
}

/** The canonical subject, or InvalidArgumentError saying why there is none. */
export function canonicalSubject (kind: IndicatorKind, raw: string): string {
  return canonicalIndicatorOr(kind, raw, (err) => invalid(err, `not a valid ${kind}`))
}

/**
 * VirusTotal's URL id: the sha256 of the canonical URL in hex, or the URL itself in unpadded
 * base64url (64 hex digits are read as the sha256, as VirusTotal does).
 */
export function parseUrlId (id: string): IndicatorKey {
  if (SHA256_HEX.test(id)) return { kind: 'url', sha256: `0x${id.toLowerCase()}` }
  try {
    return { kind: 'url', subject: urlFromVtId(id) }
  } catch (err) {
    return invalid(err, 'the URL id must be the sha256 of the URL or the URL in unpadded base64url')
  }
}

/** VirusTotal's object id: a URL's is the sha256 of its canonical form; the others are the canonical subject. */
export function indicatorId (kind: IndicatorKind, subject: string): string {
  return kind === 'url' ? bareHex(indicatorSha256(subject)) : subject
}

/** Where the object lives: VirusTotal's collections, or the VirusMap extension for wallets and scripts. */
export function indicatorPath (kind: IndicatorKind, subject: string): string {
  switch (kind) {
    case 'url': return `/api/v3/urls/${indicatorId(kind, subject)}`
    case 'domain': return `/api/v3/domains/${subject}`
    case 'ip': return `/api/v3/ip_addresses/${subject}`
    default: return `/api/virusmap/indicators/${kind}/${encodeURIComponent(subject)}`
  }
}
