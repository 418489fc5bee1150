import type { EngineCategory } from '#protocol/messages.ts'

export interface YaraMatch {
  /** the rule file the rule was declared in, by its index in the engine's rule file list */
  fileIndex: number
  rule: string
  suspicious: boolean
}

/** A rule tagged `suspicious`, or with meta `category = "suspicious"`, flags without convicting. */
export function isSuspicious (tags: readonly string[], meta: unknown): boolean {
  if (tags.some(t => t.toLowerCase() === 'suspicious')) return true
  const category = (meta as { category?: unknown } | null | undefined)?.category
  return typeof category === 'string' && category.toLowerCase() === 'suspicious'
}

/**
 * Any plain match makes the sample malicious (labelled by the first such rule in rule-file
 * order); only suspicious-class matches make it suspicious.
 */
export function classify (matches: YaraMatch[]): { category: EngineCategory, result: string } {
  // matches come in rule order within a file; the stable sort keeps that order
  const ordered = matches.toSorted((a, b) => a.fileIndex - b.fileIndex)
  const malicious = ordered.find(m => !m.suspicious)
  if (malicious !== undefined) return { category: 'malicious', result: malicious.rule }
  const suspicious = ordered[0]
  if (suspicious !== undefined) return { category: 'suspicious', result: suspicious.rule }
  return { category: 'undetected', result: '' }
}
