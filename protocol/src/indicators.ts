/**
 * Canonical forms of indicators. A job about an indicator carries its canonical `subject`, and
 * the job's sha256 is the sha256 of the subject's UTF-8 bytes, so every node that is handed the
 * same indicator, however spelled, names the same job and the same report. Pure, and runnable in
 * a browser (WHATWG URL, no node: imports).
 */
import { getAddress } from 'ethers'
import { md5, sha1 } from '@noble/hashes/legacy.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { IndicatorError } from './errors.ts'
import { INDICATOR_KINDS } from './messages.ts'
import type { IndicatorCode } from './errors.ts'
import type { Hex, IndicatorKind } from './messages.ts'

/** VirusTotal's practical URL limit (longer URLs are refused by its API and by most browsers' UIs). */
export const MAX_URL_BYTES = 2048
/** RFC 1035: 253 characters in the dotted form, 63 per label. */
export const MAX_DOMAIN_LENGTH = 253
/** Raw input past this is refused before any parsing: a canonical form can shrink, but not 4x. */
const MAX_RAW = 4 * MAX_URL_BYTES

const URL_SCHEMES = new Set(['http:', 'https:', 'ftp:', 'data:', 'javascript:'])
/** Schemes whose fragment never reaches the server, so it says nothing about the page. */
const FRAGMENT_FREE = new Set(['http:', 'https:', 'ftp:'])
const SCHEME = /^([a-z][a-z0-9+.-]*):/i
/** C0 controls, DEL and C1 controls: never part of an indicator or of text a person reads, often a smuggling attempt. */
// oxlint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`)
/** Anything that looks like an IPv4 literal in any of the legacy spellings (octal, hex, short forms). */
const IPV4_ISH = /^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$/i
const WALLET = /^(?:([a-zA-Z0-9-]{3,8}):([-_a-zA-Z0-9]{1,32}):)?(0x[0-9a-fA-F]{40})$/
const CHAIN_ID = /^[1-9][0-9]{0,31}$/
const SCRIPT_HASH = /^(?:0x)?([0-9a-fA-F]{64})$/
const BASE64URL = /^[A-Za-z0-9_-]+$/

const fail = (code: IndicatorCode, message: string): never => { throw new IndicatorError(code, message) }
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

export function isIndicatorKind (kind: unknown): kind is IndicatorKind {
  return typeof kind === 'string' && (INDICATOR_KINDS as readonly string[]).includes(kind)
}

/**
 * The canonical subject of an indicator, or IndicatorError:
 * - url: WHATWG serialization; `http://` when no scheme is given; http, https, ftp, data and
 *   javascript only; host lowercased and punycoded, default port and (http/https/ftp) fragment dropped.
 * - domain: lowercase ASCII (IDN to punycode), no trailing dot, 2+ labels of [a-z0-9-], <= 253.
 * - ip: IPv4 dotted quad without leading zeros, or IPv6 compressed lowercase without brackets.
 * - wallet: CAIP-10 `eip155:<chainId>:<address>` lowercase; a mixed-case address must be EIP-55.
 * - script: the sha256 of a JavaScript file, 64 lowercase hex digits.
 */
export function canonicalizeIndicator (kind: IndicatorKind, raw: string): string {
  if (!isIndicatorKind(kind)) fail('INDICATOR_UNKNOWN_KIND', `not an indicator kind: ${String(kind).slice(0, 32)}`)
  if (typeof raw !== 'string') fail('INDICATOR_MALFORMED', `${kind}: not a string`)
  if (raw.length > MAX_RAW) fail('INDICATOR_TOO_LONG', `${kind}: ${raw.length} characters`)
  const text = raw.trim()
  if (text === '') fail('INDICATOR_MALFORMED', `${kind}: empty`)
  if (CONTROL_CHARS.test(text)) fail('INDICATOR_MALFORMED', `${kind}: control characters`)
  if (!text.isWellFormed()) fail('INDICATOR_MALFORMED', `${kind}: lone surrogate`)
  switch (kind) {
    case 'url': return canonicalUrl(text)
    case 'domain': return canonicalDomain(text)
    case 'ip': return canonicalIp(text)
    case 'wallet': return canonicalWallet(text)
    case 'script': return canonicalScript(text)
  }
}

/**
 * canonicalizeIndicator for a caller that answers an indicator with no canonical form in its own
 * terms: `invalid` is handed the IndicatorError and returns the answer (undefined, say: not an
 * indicator) or throws the caller's own error. Any other error is a fault and passes through.
 */
export function canonicalIndicatorOr<T> (kind: string, raw: unknown, invalid: (err: IndicatorError) => T): string | T {
  try {
    return canonicalizeIndicator(kind as IndicatorKind, raw as string)
  } catch (err) {
    if (err instanceof IndicatorError) return invalid(err)
    throw err
  }
}

function canonicalUrl (text: string): string {
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase()
  let input = text
  if (scheme === undefined || (!URL_SCHEMES.has(`${scheme}:`) && /^[^:]*:[0-9]{1,5}(?:[/?#]|$)/.test(text))) {
    // "example.com" or "example.com:8080/x": a host, with no scheme
    input = `http://${text}`
  } else if (!URL_SCHEMES.has(`${scheme}:`)) {
    fail('INDICATOR_UNSUPPORTED_SCHEME', `url: scheme ${scheme.slice(0, 32)} is not http, https, ftp, data or javascript`)
  }
  let url: URL
  try {
    url = new URL(input)
  } catch (err) {
    throw new IndicatorError('INDICATOR_MALFORMED', 'url: does not parse', { cause: err })
  }
  if (FRAGMENT_FREE.has(url.protocol)) {
    if (url.hostname === '') fail('INDICATOR_MALFORMED', 'url: no host')
    url.hash = ''
  }
  const href = url.href
  if (utf8(href).length > MAX_URL_BYTES) fail('INDICATOR_TOO_LONG', `url: longer than ${MAX_URL_BYTES} bytes`)
  return href
}

function canonicalDomain (text: string): string {
  let name = text.toLowerCase()
  if (name.endsWith('.')) name = name.slice(0, -1)
  // the URL parser would accept a path, port, credentials or percent-escapes and keep only the host
  if (/[\s/\\?#@:[\]%]/.test(name)) fail('INDICATOR_MALFORMED', 'domain: not a bare host name')
  if (name.length > 4 * MAX_DOMAIN_LENGTH) fail('INDICATOR_TOO_LONG', `domain: ${name.length} characters`)
  if (IPV4_ISH.test(name)) fail('INDICATOR_MALFORMED', 'domain: an IP address is not a domain (use kind ip)')
  let host: string
  try {
    host = new URL(`http://${name}`).hostname
  } catch (err) {
    throw new IndicatorError('INDICATOR_MALFORMED', 'domain: not a valid host name', { cause: err })
  }
  if (IPV4.test(host) || host.startsWith('[')) fail('INDICATOR_MALFORMED', 'domain: an IP address is not a domain (use kind ip)')
  if (host.length > MAX_DOMAIN_LENGTH) fail('INDICATOR_TOO_LONG', `domain: longer than ${MAX_DOMAIN_LENGTH} characters`)
  const labels = host.split('.')
  if (labels.length < 2) fail('INDICATOR_MALFORMED', 'domain: needs at least two labels')
  if (!labels.every((l) => LABEL.test(l))) fail('INDICATOR_MALFORMED', 'domain: labels are 1-63 of [a-z0-9-], not starting or ending with -')
  return host
}

function canonicalIp (text: string): string {
  if (text.length > 64) fail('INDICATOR_TOO_LONG', 'ip: longer than 64 characters')
  if (!text.includes(':')) {
    if (!IPV4.test(text)) fail('INDICATOR_MALFORMED', 'ip: IPv4 must be a dotted quad of 0-255 without leading zeros')
    return text
  }
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  if (!/^[0-9a-fA-F:.]+$/.test(bare)) fail('INDICATOR_MALFORMED', 'ip: not an IPv6 address (zone ids are not accepted)')
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1)
  } catch (err) {
    throw new IndicatorError('INDICATOR_MALFORMED', 'ip: not an IPv6 address', { cause: err })
  }
}

function canonicalWallet (text: string): string {
  const m = WALLET.exec(text)
  if (m === null) fail('INDICATOR_MALFORMED', 'wallet: expected 0x<40 hex> or eip155:<chainId>:0x<40 hex>')
  const [, namespace, reference, address] = m as RegExpExecArray
  if (namespace !== undefined && namespace.toLowerCase() !== 'eip155') fail('INDICATOR_MALFORMED', 'wallet: only eip155 (EVM) addresses are supported')
  const chainId = reference ?? '1'
  if (!CHAIN_ID.test(chainId)) fail('INDICATOR_MALFORMED', 'wallet: chain id must be a decimal integer without leading zeros')
  const hex = (address as string).slice(2)
  // all one case carries no checksum; mixed case is EIP-55 and must be right
  if (hex !== hex.toLowerCase() && hex !== hex.toUpperCase() && getAddress((address as string).toLowerCase()) !== address) {
    fail('INDICATOR_CHECKSUM', 'wallet: mixed-case address fails its EIP-55 checksum')
  }
  return `eip155:${chainId}:0x${hex.toLowerCase()}`
}

function canonicalScript (text: string): string {
  const m = SCRIPT_HASH.exec(text)
  if (m === null) fail('INDICATOR_MALFORMED', 'script: expected the sha256 of a JavaScript file, 64 hex digits')
  return (m as RegExpExecArray)[1]?.toLowerCase() as string
}

/** Schemes whose URLs name a host a client connects to (data: and javascript: carry their document inline). */
const HOSTED = new Set(['http:', 'https:', 'ftp:'])

/**
 * The domain or IP address a URL's host names, canonical: VirusTotal's `network_location` of a
 * URL. The host as written, not its registrable domain (`www.example.com` stays itself, as
 * VirusTotal keeps it; the reward item, rewards/item.ts, is the registrable domain); userinfo, port,
 * path and a trailing dot are not part of it; an IPv4 or bracketed IPv6 literal is an `ip`.
 * Undefined when the URL has no host (data:, javascript:), does not parse, or its host is no
 * canonical domain (a single label such as `localhost`, an `_`).
 * Never throws: it reads subjects of jobs from the network.
 */
export function urlNetworkLocation (url: string): { kind: 'domain' | 'ip', subject: string } | undefined {
  if (typeof url !== 'string' || url.length > MAX_RAW) return undefined
  let host: string
  try {
    const parsed = new URL(url)
    if (!HOSTED.has(parsed.protocol)) return undefined
    host = parsed.hostname
  } catch {
    return undefined
  }
  const kind = host.startsWith('[') || IPV4.test(host) ? 'ip' : 'domain'
  try {
    return { kind, subject: canonicalizeIndicator(kind, host) }
  } catch {
    return undefined
  }
}

/** sha256 of the subject's UTF-8: a job's sha256; for a URL it is VirusTotal's URL id (without 0x). */
export function indicatorSha256 (subject: string): Hex {
  return `0x${bytesToHex(sha256(utf8(subject)))}`
}

/** What an indicator job carries in its file-hash fields: the hashes and byte length of the subject. */
export function indicatorDigests (subject: string): { sha256: Hex, sha1: Hex, md5: Hex, size: number } {
  const bytes = utf8(subject)
  return { sha256: `0x${bytesToHex(sha256(bytes))}`, sha1: `0x${bytesToHex(sha1(bytes))}`, md5: `0x${bytesToHex(md5(bytes))}`, size: bytes.length }
}

/** The canonical URL a VirusTotal URL id in its unpadded base64url form stands for. */
export function urlFromVtId (id: string): string {
  if (typeof id !== 'string' || id.length > Math.ceil(MAX_RAW * 4 / 3) + 4) fail('INDICATOR_TOO_LONG', 'url id: too long')
  const unpadded = id.replace(/=+$/, '')
  if (!BASE64URL.test(unpadded) || unpadded.length % 4 === 1) fail('INDICATOR_MALFORMED', 'url id: not unpadded base64url')
  let text: string
  try {
    const binary = atob(unpadded.replaceAll('-', '+').replaceAll('_', '/'))
    text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
  } catch (err) {
    throw new IndicatorError('INDICATOR_MALFORMED', 'url id: not base64url of UTF-8', { cause: err })
  }
  return canonicalizeIndicator('url', text)
}

/** VirusTotal's base64url url id (unpadded) of a URL as given. */
export function vtUrlId (url: string): string {
  let binary = ''
  for (const b of utf8(url)) binary += String.fromCharCode(b)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}
