/**
 * Network indicators carried in a sample's bytes (ASCII and UTF-16LE strings): URLs and the
 * domains they name, kept for the intel engines. Bounded in count and length.
 */
export interface Indicators {
  urls: string[]
  domains: string[]
}

const MAX_URLS = 200
const MAX_URL_LENGTH = 2048
/** strings in the first 32 MiB only: indicators past that are rare and the regex cost is linear */
const MAX_SCAN_BYTES = 32 * 1024 * 1024
// control bytes end a URL inside binary data
// oxlint-disable-next-line no-control-regex
const URL = /\b(?:https?|ftp):\/\/([a-z0-9](?:[a-z0-9-]{0,62}\.)*[a-z0-9-]{1,63}|\[[0-9a-f:.]+\])(?::\d{1,5})?(?:[/?#][^\s"'<>`\\^{}|\x00-\x1f\x7f-\xff]*)?/gi
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/
const TLD = /\.[a-z]{2,24}$|\.xn--[a-z0-9-]{2,59}$/

function utf16le (bytes: Uint8Array): string {
  // keep only printable ASCII code units; anything else breaks a string
  const out: string[] = []
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const c = bytes[i] ?? 0
    out.push(bytes[i + 1] === 0 && c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\n')
  }
  return out.join('')
}

export function extractIndicators (bytes: Uint8Array, options: { wide?: boolean } = {}): Indicators {
  const head = bytes.subarray(0, MAX_SCAN_BYTES)
  const texts = [Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1')]
  if (options.wide === true) texts.push(utf16le(head.subarray(0, 8 * 1024 * 1024)), utf16le(head.subarray(1, 8 * 1024 * 1024)))
  const urls = new Set<string>()
  const domains = new Set<string>()
  for (const text of texts) {
    for (const m of text.matchAll(URL)) {
      if (urls.size >= MAX_URLS) break
      const url = m[0].replace(/[.,;:)\]]+$/, '').slice(0, MAX_URL_LENGTH)
      const host = (m[1] ?? '').toLowerCase()
      if (!IPV4.test(host) && !host.startsWith('[') && !TLD.test(host)) continue
      urls.add(url)
      if (!IPV4.test(host) && !host.startsWith('[')) domains.add(host)
    }
  }
  return { urls: [...urls], domains: [...domains] }
}
