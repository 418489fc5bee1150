/**
 * Canonical indicators for the page: the form a job carries as `subject`, computed here from what
 * the page's URL names, so a report is held to the indicator asked and not to what the node says
 * it is. Mirrors protocol/src/indicators.ts canonicalizeIndicator (the same WHATWG URL parser does
 * the work); node/test/web/verify.test.ts holds the two to the same answers. Returns undefined
 * where the protocol throws.
 */

const MAX_URL_BYTES = 2048
const MAX_DOMAIN_LENGTH = 253
const MAX_RAW = 4 * MAX_URL_BYTES
const URL_SCHEMES = new Set(['http:', 'https:', 'ftp:', 'data:', 'javascript:'])
const FRAGMENT_FREE = new Set(['http:', 'https:', 'ftp:'])
const SCHEME = /^([a-z][a-z0-9+.-]*):/i
// oxlint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`)
const IPV4_ISH = /^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$/i
const WALLET = /^(?:([a-zA-Z0-9-]{3,8}):([-_a-zA-Z0-9]{1,32}):)?(0x[0-9a-fA-F]{40})$/
const CHAIN_ID = /^[1-9][0-9]{0,31}$/
const SCRIPT_HASH = /^(?:0x)?([0-9a-fA-F]{64})$/
const utf8 = new TextEncoder()

export const INDICATOR_KINDS = ['url', 'domain', 'ip', 'wallet', 'script']

function parse (input) {
  try { return new URL(input) } catch { return undefined }
}

function canonicalUrl (text) {
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase()
  let input = text
  if (scheme === undefined || (!URL_SCHEMES.has(`${scheme}:`) && /^[^:]*:[0-9]{1,5}(?:[/?#]|$)/.test(text))) input = `http://${text}`
  else if (!URL_SCHEMES.has(`${scheme}:`)) return undefined
  const url = parse(input)
  if (url === undefined) return undefined
  if (FRAGMENT_FREE.has(url.protocol)) {
    if (url.hostname === '') return undefined
    url.hash = ''
  }
  return utf8.encode(url.href).length > MAX_URL_BYTES ? undefined : url.href
}

function canonicalDomain (text) {
  let name = text.toLowerCase()
  if (name.endsWith('.')) name = name.slice(0, -1)
  if (/[\s/\\?#@:[\]%]/.test(name) || name.length > 4 * MAX_DOMAIN_LENGTH || IPV4_ISH.test(name)) return undefined
  const host = parse(`http://${name}`)?.hostname
  if (host === undefined || IPV4.test(host) || host.startsWith('[') || host.length > MAX_DOMAIN_LENGTH) return undefined
  const labels = host.split('.')
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) ? host : undefined
}

function canonicalIp (text) {
  if (text.length > 64) return undefined
  if (!text.includes(':')) return IPV4.test(text) ? text : undefined
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  if (!/^[0-9a-fA-F:.]+$/.test(bare)) return undefined
  return parse(`http://[${bare}]/`)?.hostname.slice(1, -1)
}

/** EIP-55: a hex digit is upper case where the keccak of the lowercase address has a nibble >= 8 */
function checksummed (hex, keccak) {
  const hash = keccak(utf8.encode(hex.toLowerCase()))
  return [...hex.toLowerCase()].map((c, i) => ((hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf) >= 8 ? c.toUpperCase() : c).join('')
}

function canonicalWallet (text, keccak) {
  const m = WALLET.exec(text)
  if (m === null) return undefined
  const [, namespace, reference, address] = m
  if (namespace !== undefined && namespace.toLowerCase() !== 'eip155') return undefined
  const chainId = reference ?? '1'
  if (!CHAIN_ID.test(chainId)) return undefined
  const hex = address.slice(2)
  if (hex !== hex.toLowerCase() && hex !== hex.toUpperCase() && checksummed(hex, keccak) !== hex) return undefined
  return `eip155:${chainId}:0x${hex.toLowerCase()}`
}

/**
 * The canonical subject of `raw` as an indicator of `kind`, or undefined when it has none.
 * `keccak` (keccak_256) checks a mixed-case wallet address's EIP-55 checksum.
 */
export function canonicalIndicator (kind, raw, keccak) {
  if (!INDICATOR_KINDS.includes(kind) || typeof raw !== 'string' || raw.length > MAX_RAW) return undefined
  const text = raw.trim()
  if (text === '' || CONTROL_CHARS.test(text) || !text.isWellFormed()) return undefined
  switch (kind) {
    case 'url': return canonicalUrl(text)
    case 'domain': return canonicalDomain(text)
    case 'ip': return canonicalIp(text)
    case 'wallet': return canonicalWallet(text, keccak)
    default: return SCRIPT_HASH.exec(text)?.[1]?.toLowerCase()
  }
}
