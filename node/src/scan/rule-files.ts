import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbortOptions } from '@libp2p/interface'

export interface RuleFile {
  path: string
  /** rule declarations in the file (a source-level count, for logs and stats) */
  rules: number
  mtimeMs: number
  /** read once, so every scanner process compiles the same rules whatever happens on disk later */
  source: string
}

const RULE_EXTENSIONS = ['.yar', '.yara']
const RULE_DECLARATION = /^\s*((?:(?:private|global)\s+)*)rule\s+([A-Za-z_]\w*)/gm

/** The rule names a source declares and whether one of them is global (source-level, comments not stripped). */
export function declaredRules (source: string): { names: string[], global: boolean } {
  const found = [...source.matchAll(RULE_DECLARATION)]
  return { names: found.map(m => m[2] ?? ''), global: found.some(m => /\bglobal\b/.test(m[1] ?? '')) }
}

async function walk (dir: string, out: string[], { signal }: AbortOptions = {}): Promise<void> {
  signal?.throwIfAborted()
  const entries = await readdir(dir, { withFileTypes: true })
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) await walk(path, out, { signal })
    else if (entry.isFile() && RULE_EXTENSIONS.some(ext => entry.name.endsWith(ext))) out.push(path)
  }
}

/**
 * Every *.yar / *.yara under the given directories, recursively, in a stable order (directory
 * order, then path), so "the first matching rule" means the same thing on every node.
 */
export async function findRuleFiles (dirs: string[], options: AbortOptions = {}): Promise<RuleFile[]> {
  const files: RuleFile[] = []
  for (const dir of dirs) {
    const paths: string[] = []
    await walk(dir, paths, { signal: options.signal })
    for (const path of paths.toSorted()) {
      const [source, info] = await Promise.all([readFile(path, 'utf8'), stat(path)])
      files.push({ path, rules: declaredRules(source).names.length, mtimeMs: info.mtimeMs, source })
    }
  }
  return files
}

/** VirusTotal prints signature dates as YYYYMMDD (UTC). */
export function signatureDate (files: RuleFile[]): string {
  const newest = Math.max(...files.map(f => f.mtimeMs))
  return new Date(newest).toISOString().slice(0, 10).replaceAll('-', '')
}
