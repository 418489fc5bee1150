import { canonicalizeIndicator, isIndicatorKind } from '#protocol/indicators.ts'
import { INDICATOR_KINDS } from '#protocol/messages.ts'
import type { IndicatorKind } from '#protocol/messages.ts'

/**
 * The one format of an operator's indicator list (pure; no I/O). One entry per line:
 *
 *   # a comment line           blank lines and "#" lines are skipped
 *   evil.example               kind inferred, or the feed's configured kind
 *   domain:evil.example        an explicit kind prefix (url|domain|ip|wallet|script) wins
 *   https://evil.example/x  # trailing comments after whitespace
 *   0xAbC...                   a bare address matches that address on every EVM chain;
 *   eip155:56:0xabc...         a CAIP-10 one on that chain only
 *
 * Entries are canonicalized with canonicalizeIndicator, so any spelling of an indicator is the
 * same entry. A line that does not canonicalize is counted (and a few are kept as examples),
 * never fatal: one bad line must not cost the node a feed of thousands.
 */
export type IndicatorEntries = ReadonlyMap<IndicatorKind, ReadonlySet<string>>

export interface ParsedIndicatorList {
  entries: Map<IndicatorKind, Set<string>>
  /** entry lines seen (not blank, not comments) */
  lines: number
  /** entry lines that did not canonicalize */
  bad: number
  /** up to MAX_EXAMPLES bad lines, cut to 80 characters */
  badExamples: string[]
}

export const MAX_EXAMPLES = 5
const PREFIX = new RegExp(`^(${INDICATOR_KINDS.join('|')}):(?!//)`, 'i')
const BARE_ADDRESS = /^0x[0-9a-fA-F]{40}$/
const SCRIPT = /^(?:0x)?[0-9a-fA-F]{64}$/
const IP = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\]?)$/

export const emptyEntries = (): Map<IndicatorKind, Set<string>> => new Map(INDICATOR_KINDS.map(k => [k, new Set<string>()]))

/** The kind a line without a prefix most plausibly is (the feed's kind, when set, is used instead). */
export function inferKind (value: string): IndicatorKind {
  if (SCRIPT.test(value)) return 'script'
  if (BARE_ADDRESS.test(value) || /^eip155:/i.test(value)) return 'wallet'
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^(?:data|javascript):/i.test(value) || /[/?]/.test(value)) return 'url'
  if (IP.test(value)) return 'ip'
  return 'domain'
}

/**
 * The key an entry is stored under: the canonical subject, except that a bare wallet address
 * (no chain given) is kept as `0x<40 lowercase hex>` so it matches on every chain.
 */
export function entryKey (kind: IndicatorKind, value: string): string {
  const canonical = canonicalizeIndicator(kind, value)
  return kind === 'wallet' && BARE_ADDRESS.test(value.trim()) ? canonical.slice(canonical.lastIndexOf(':') + 1) : canonical
}

export function parseIndicatorList (text: string, options: { kind?: IndicatorKind } = {}): ParsedIndicatorList {
  const entries = emptyEntries()
  const badExamples: string[] = []
  let lines = 0
  let bad = 0
  for (const raw of text.split('\n')) {
    let line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const comment = line.search(/\s#/)
    if (comment !== -1) line = line.slice(0, comment).trim()
    lines++
    const prefix = PREFIX.exec(line)
    const value = prefix === null ? line : line.slice(prefix[0].length).trim()
    const named = prefix?.[1]?.toLowerCase()
    const kind = isIndicatorKind(named) ? named : options.kind ?? inferKind(value)
    try {
      entries.get(kind)?.add(entryKey(kind, value))
    } catch {
      bad++
      if (badExamples.length < MAX_EXAMPLES) badExamples.push(line.slice(0, 80))
    }
  }
  return { entries, lines, bad, badExamples }
}

export const countEntries = (entries: IndicatorEntries): number => {
  let n = 0
  for (const set of entries.values()) n += set.size
  return n
}

export interface EntriesDiff {
  added: number
  removed: number
  /** up to MAX_EXAMPLES each, as `kind:entry` */
  addedExamples: string[]
  removedExamples: string[]
}

/** What changed between two loads of a feed, for the refresh log. */
export function diffEntries (before: IndicatorEntries, after: IndicatorEntries): EntriesDiff {
  const diff: EntriesDiff = { added: 0, removed: 0, addedExamples: [], removedExamples: [] }
  const count = (from: IndicatorEntries, to: IndicatorEntries, which: 'added' | 'removed'): void => {
    const examples = which === 'added' ? diff.addedExamples : diff.removedExamples
    for (const [kind, set] of from) {
      const other = to.get(kind)
      for (const entry of set) {
        if (other?.has(entry) === true) continue
        diff[which]++
        if (examples.length < MAX_EXAMPLES) examples.push(`${kind}:${entry.slice(0, 120)}`)
      }
    }
  }
  count(after, before, 'added')
  count(before, after, 'removed')
  return diff
}
