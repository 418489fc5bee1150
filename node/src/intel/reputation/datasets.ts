import { subjectHost } from './subject.ts'

export type SourceFormat = 'eth-phishing-detect-blacklist' | 'eth-phishing-detect-whitelist' | 'adblock' | 'hosts-lines' | 'top-sites-tsv'

/** Hosts of one source, normalised through subjectHost, deduplicated, sorted; unparseable entries dropped. */
export function parseSource (format: SourceFormat, text: string): string[] {
  const raw: string[] = []
  switch (format) {
    case 'eth-phishing-detect-blacklist':
    case 'eth-phishing-detect-whitelist': {
      const config = JSON.parse(text) as Record<string, unknown>
      const list = config[format === 'eth-phishing-detect-blacklist' ? 'blacklist' : 'whitelist']
      if (!Array.isArray(list)) throw new TypeError(`${format}: no list`)
      for (const d of list) if (typeof d === 'string') raw.push(d)
      break
    }
    case 'adblock':
      // whole-host network filters only (||host^ with at most $doc/$all/$document options); cosmetic,
      // path and exception rules name no host to label
      for (const line of text.split(/\r?\n/)) {
        const m = /^\|\|([a-z0-9.-]+)\^(?:\$(?:doc|all|document|third-party|3p|important)(?:,(?:doc|all|document|third-party|3p|important))*)?$/i.exec(line.trim())
        if (m?.[1] !== undefined) raw.push(m[1])
      }
      break
    case 'hosts-lines':
      for (const line of text.split(/\r?\n/)) {
        const t = line.trim()
        if (t === '' || t.startsWith('!') || t.startsWith('#')) continue
        const parts = t.split(/\s+/)
        const [first = '', second] = parts
        raw.push(second !== undefined && /^(0\.0\.0\.0|127\.0\.0\.1)$/.test(first) ? second : first)
      }
      break
    case 'top-sites-tsv':
      for (const line of text.split(/\r?\n/)) {
        const [rank, host] = line.split('\t')
        if (/^\d+$/.test(rank ?? '') && host !== undefined) raw.push(host)
      }
      break
  }
  const hosts = new Set<string>()
  for (const r of raw) {
    const h = subjectHost('domain', r)
    if (h !== undefined && !/^\d+\.\d+\.\d+\.\d+$/.test(h)) hosts.add(h)
  }
  return [...hosts].toSorted()
}
