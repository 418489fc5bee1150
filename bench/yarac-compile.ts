import { runProcess } from '../node/src/scan/run-process.ts'
import { RulesCompileError, EngineUnavailableError } from '../node/src/scan/engine.ts'
import type { RuleFile } from '../node/src/scan/rule-files.ts'
import type { AbortOptions } from '@libp2p/interface'

const COMPILE_TIMEOUT_MS = 120_000
const CHECK_CONCURRENCY = 8

export interface CompileOutcome {
  compiled: RuleFile[]
  skipped: Array<{ path: string, error: string }>
}

/** each file gets its own namespace, so equal rule names in two files do not collide, and matches map back to a file */
const namespaced = (files: RuleFile[]): string[] => files.map((f, i) => `f${i}:${f.path}`)

async function yarac (yaracPath: string, files: RuleFile[], output: string, { signal }: AbortOptions = {}): Promise<string | undefined> {
  const outcome = await runProcess(yaracPath, ['-w', ...namespaced(files), output], { timeoutMs: COMPILE_TIMEOUT_MS, signal })
  if (outcome.status === 'spawn-error') throw new EngineUnavailableError(`cannot run ${yaracPath}: ${outcome.error?.message}`, { cause: outcome.error })
  if (outcome.status === 'exited' && outcome.code === 0) return undefined
  return outcome.status === 'exited' ? outcome.stderr.trim().slice(0, 2000) : `yarac ${outcome.status}`
}

/**
 * Compiles every rule file into one `yarac` output. One broken file must not cost the node its
 * other rules: when the whole set fails, each file is compiled alone, the failures are skipped
 * (reported to the caller for logging) and the rest is compiled again.
 */
export async function compileRuleFiles (yaracPath: string, files: RuleFile[], output: string, options: AbortOptions = {}): Promise<CompileOutcome> {
  const firstError = await yarac(yaracPath, files, output, { signal: options.signal })
  if (firstError === undefined) return { compiled: files, skipped: [] }

  const errors: Array<string | undefined> = []
  for (let i = 0; i < files.length; i += CHECK_CONCURRENCY) {
    const batch = files.slice(i, i + CHECK_CONCURRENCY)
    const results = await Promise.all(batch.map(async f => await yarac(yaracPath, [f], '/dev/null', { signal: options.signal })))
    results.forEach((e, j) => { errors[i + j] = e })
  }
  const compiled = files.filter((_, i) => errors[i] === undefined)
  const skipped = files.flatMap((f, i) => errors[i] === undefined ? [] : [{ path: f.path, error: errors[i] ?? '' }])
  if (compiled.length === 0) throw new RulesCompileError(`none of ${files.length} rule files compiles; first error: ${skipped[0]?.error}`)
  const secondError = await yarac(yaracPath, compiled, output, { signal: options.signal })
  if (secondError !== undefined) throw new RulesCompileError(`rule files compile alone but not together: ${secondError}`)
  return { compiled, skipped }
}
