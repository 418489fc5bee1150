import type { EngineCategory } from '../../../protocol/src/messages.ts'

export interface YaraMatch {
  /** the namespace the engine gave the rule's file, "f<index>" */
  fileIndex: number
  rule: string
  suspicious: boolean
}

const MATCH_HEAD = /^f(\d+):([A-Za-z_]\w*) \[([\w,]*)\] \[(.*)\]$/
const SUSPICIOUS_META = /(?:^|,)category="suspicious"(?:,|$)/i

/**
 * Parses `yara -e -g -m` output for one scanned file: `ns:Rule [tags] [meta] <path>`.
 * The path is ours, so it is stripped as a known suffix rather than parsed.
 */
export function parseYaraOutput (stdout: string, samplePath: string): YaraMatch[] {
  const matches: YaraMatch[] = []
  for (const line of stdout.split('\n')) {
    if (!line.endsWith(` ${samplePath}`)) continue
    const head = MATCH_HEAD.exec(line.slice(0, -samplePath.length - 1))
    if (head === null) continue
    const [, index, rule, tags, meta] = head
    const suspicious = (tags ?? '').split(',').some(t => t.toLowerCase() === 'suspicious') || SUSPICIOUS_META.test(meta ?? '')
    matches.push({ fileIndex: Number(index), rule: rule ?? '', suspicious })
  }
  return matches
}

/**
 * Any plain match makes the sample malicious (labelled by the first such rule in rule-file
 * order); only suspicious-class matches make it suspicious.
 */
export function classify (matches: YaraMatch[]): { category: EngineCategory, result: string } {
  // yara prints matches in rule order within a namespace; the stable sort keeps that order
  const ordered = matches.toSorted((a, b) => a.fileIndex - b.fileIndex)
  const malicious = ordered.find(m => !m.suspicious)
  if (malicious !== undefined) return { category: 'malicious', result: malicious.rule }
  const suspicious = ordered[0]
  if (suspicious !== undefined) return { category: 'suspicious', result: suspicious.rule }
  return { category: 'undetected', result: '' }
}
