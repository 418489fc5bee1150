import { createRequire } from 'node:module'
import { EngineUnavailableError, RulesCompileError } from './engine.ts'
import { declaredRules } from './rule-files.ts'
import { isSuspicious } from './yara-output.ts'
import type { YaraMatch } from './yara-output.ts'
import type { YaraX } from '@litko/yara-x'

/** The YARA-X release inside @litko/yara-x's native binding (yara-rules.test.ts checks the binary). */
export const YARA_X_VERSION = '1.7.1'

export interface RuleSource { path: string, source: string }

export interface LoadedRules {
  /** indices (into the files given) of the rule files compiled, in order */
  compiled: number[]
  skipped: Array<{ index: number, error: string }>
  scan(bytes: Buffer): YaraMatch[]
}

interface Unit {
  rules: YaraX
  /** rule name -> rule file index */
  fileOf: Map<string, number>
  first: number
}

type Binding = typeof import('@litko/yara-x')

function binding (): Binding {
  try {
    return createRequire(import.meta.url)('@litko/yara-x') as Binding
  } catch (err) {
    throw new EngineUnavailableError(`cannot load @litko/yara-x: ${(err as Error).message}`, { cause: err })
  }
}

const firstLine = (message: string): string => message.replace(/^Compilation error \(\w+\): /, '').split('\n')[0]?.slice(0, 500) ?? ''

/**
 * The binding compiles one source into one namespace, while yara gave every file its own. Files
 * are therefore grouped into compile units: a file joins the current unit unless it redeclares
 * a rule name the unit has or either declares a global rule (a global rule governs its whole
 * namespace). Nearly every rule set is one unit; matches map back to files by rule name.
 */
function partition (files: RuleSource[], indices: number[]): number[][] {
  const units: number[][] = []
  let names = new Set<string>()
  let closed = true
  for (const i of indices) {
    const declared = declaredRules(files[i]?.source ?? '')
    if (closed || declared.global || declared.names.some(n => names.has(n))) {
      units.push([])
      names = new Set()
    }
    units.at(-1)?.push(i)
    for (const n of declared.names) names.add(n)
    closed = declared.global
  }
  return units
}

function compileUnits (yx: Binding, files: RuleSource[], units: number[][], compilerOptions?: { enableIncludes: boolean }): { units: Unit[] } | { error: string } {
  const out: Unit[] = []
  for (const unit of units) {
    try {
      const rules = yx.compile(unit.map(i => files[i]?.source ?? '').join('\n'), compilerOptions)
      const fileOf = new Map<string, number>()
      for (const i of unit) for (const name of declaredRules(files[i]?.source ?? '').names) fileOf.set(name, i)
      out.push({ rules, fileOf, first: unit[0] ?? 0 })
    } catch (err) {
      return { error: firstLine((err as Error).message) }
    }
  }
  return { units: out }
}

/**
 * Compiles rule files with YARA-X. One broken file must not cost the node its other rules:
 * when a unit fails, every file is checked alone, the failures are skipped (reported for
 * logging) and the rest is compiled again.
 */
export function loadRules (files: RuleSource[], options: { untrusted?: boolean } = {}): LoadedRules {
  const yx = binding()
  // untrusted (hunt rulesets of distinct vendors): every file its own unit, so no file's condition can name
  // another file's rule, and no include statement, which would read (and echo in its error) a file of the node
  const untrusted = options.untrusted === true
  const compilerOptions = untrusted ? { enableIncludes: false } : undefined
  const units = (indices: number[]): number[][] => untrusted ? indices.map(i => [i]) : partition(files, indices)
  let kept = files.map((_, i) => i)
  const skipped: LoadedRules['skipped'] = []
  let outcome = compileUnits(yx, files, units(kept), compilerOptions)
  if ('error' in outcome) {
    for (const i of kept) {
      const error = yx.validate(files[i]?.source ?? '', compilerOptions).errors[0]
      if (error !== undefined) skipped.push({ index: i, error: `${error.code}: ${firstLine(error.message)}` })
    }
    kept = kept.filter(i => !skipped.some(s => s.index === i))
    if (kept.length === 0) throw new RulesCompileError(`none of ${files.length} rule files compiles; first error: ${skipped[0]?.error}`)
    outcome = compileUnits(yx, files, units(kept), compilerOptions)
    // files that compile alone but not together (a clash the source-level grouping missed): one unit each, as yara's namespaces were
    if ('error' in outcome) outcome = compileUnits(yx, files, kept.map(i => [i]), compilerOptions)
    if ('error' in outcome) throw new RulesCompileError(`rule files compile alone but not each in a unit: ${outcome.error}`)
  }
  const compiledUnits = outcome.units
  return {
    compiled: kept,
    skipped,
    scan (bytes) {
      return compiledUnits.flatMap(unit => unit.rules.scan(bytes).map(m => ({
        fileIndex: unit.fileOf.get(m.ruleIdentifier) ?? unit.first,
        rule: m.ruleIdentifier,
        suspicious: isSuspicious(m.tags, m.meta)
      })))
    }
  }
}
