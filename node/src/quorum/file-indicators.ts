import { canonicalIndicatorOr } from '#protocol/index.ts'

/** at most this many indicators are related to one file: a sample stuffed with URLs cannot flood the index */
export const MAX_RELATED_INDICATORS = 200

export interface RelatedIndicator {
  kind: 'url' | 'domain'
  subject: string
}

/**
 * The URLs and domains engines found in a file (an engine's scan detail with
 * `indicators: { urls, domains }`, as the heuristics engine gives), canonicalized; what does not
 * canonicalize is skipped. Deduplicated and bounded. Pure.
 */
export function indicatorsFromDetails (details: unknown[]): RelatedIndicator[] {
  const out = new Map<string, RelatedIndicator>()
  const add = (kind: RelatedIndicator['kind'], raw: unknown): void => {
    if (out.size >= MAX_RELATED_INDICATORS || typeof raw !== 'string') return
    // not an indicator we can name: nothing to relate
    const subject = canonicalIndicatorOr(kind, raw, () => undefined)
    if (subject !== undefined) out.set(`${kind} ${subject}`, { kind, subject })
  }
  for (const detail of details) {
    const found = (detail as { indicators?: { urls?: unknown, domains?: unknown } } | undefined)?.indicators
    if (found == null) continue
    for (const d of Array.isArray(found.domains) ? found.domains : []) add('domain', d)
    for (const u of Array.isArray(found.urls) ? found.urls : []) add('url', u)
  }
  return [...out.values()]
}
