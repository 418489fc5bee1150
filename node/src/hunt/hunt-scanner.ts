/**
 * The YARA-X scanner of the hunt (SPEC 19): the vendors' rulesets compiled in one warm scanner process of
 * the YARA engine's (yara-scanner-process.ts) as untrusted rules (each ruleset its own unit, no includes),
 * one sample at a time. A new ruleset is first compiled alone in a process of its own within the compile
 * bound. Rules never leave this module: not in logs, not in errors (a compile error names its code and line).
 */
import type { AbortOptions } from '@libp2p/interface'
import type { Logger } from 'pino'
import { HuntError } from '../../../protocol/src/hunt/errors.ts'
import { MAX_MATCH_RULES, RULE_NAME } from '../../../protocol/src/hunt/match.ts'
import type { Hex } from '../../../protocol/src/messages.ts'
import { EngineError, ScanAbortedError } from '../scan/engine.ts'
import { declaredRules } from '../scan/rule-files.ts'
import { startScannerProcess } from '../scan/yara-scanner-process.ts'
import type { ScannerProcess } from '../scan/yara-scanner-process.ts'

export interface HuntScannerOptions {
  /** the most a new ruleset may take to compile */
  compileTimeoutMs: number
  /** V8 heap cap of the scanner process, MiB */
  maxHeapMb?: number
  logger: Logger
}

export interface LoadedRuleset { rulesetId: Hex, source: string }

export type HuntScanOutcome =
  | { status: 'done', matches: Map<Hex, string[]> }
  | { status: 'timeout' }
  | { status: 'failed' }

export interface HuntScanner {
  /** Compiles `source` alone; HuntError RULES_INVALID (with the compiler's code and line) or COMPILE_TIMEOUT. */
  check(source: string, options?: AbortOptions): Promise<void>
  /** Replaces the live rulesets (none: no process runs). */
  load(rulesets: readonly LoadedRuleset[], options?: AbortOptions): Promise<void>
  /** The rules of each ruleset that match `bytes`, within `timeoutMs` for all of them. */
  match(bytes: Uint8Array, options: { timeoutMs: number, signal?: AbortSignal }): Promise<HuntScanOutcome>
  readonly rulesets: number
  stop(): Promise<void>
}

// only the compiler's error code leaves: the message quotes the source
const compilerCode = (message: string): string => /E[0-9]{3}/.exec(message)?.[0] ?? 'unknown'

export function createHuntScanner (opts: HuntScannerOptions): HuntScanner {
  const maxHeapMb = opts.maxHeapMb ?? 256
  let live: LoadedRuleset[] = []
  let scanner: ScannerProcess | undefined
  // one scan at a time on the one process; a reload waits for the scan in flight
  let queue: Promise<unknown> = Promise.resolve()
  const serial = async <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return await run
  }

  async function spawn (rulesets: readonly LoadedRuleset[], options: AbortOptions = {}): Promise<ScannerProcess> {
    const signal = AbortSignal.any([AbortSignal.timeout(opts.compileTimeoutMs * Math.max(1, rulesets.length)), ...(options.signal === undefined ? [] : [options.signal])])
    try {
      return await startScannerProcess({ files: rulesets.map((r) => ({ path: r.rulesetId, source: r.source })), maxHeapMb, initTimeoutMs: opts.compileTimeoutMs * Math.max(1, rulesets.length) + 1000, testHooks: false, untrusted: true }, { signal })
    } catch (err) {
      options.signal?.throwIfAborted()
      if (err instanceof ScanAbortedError) throw new HuntError('COMPILE_TIMEOUT', `the rules did not compile in ${opts.compileTimeoutMs} ms`)
      if (err instanceof EngineError && err.code === 'RULES_COMPILE_FAILED') {
        throw new HuntError('RULES_INVALID', `the rules do not compile (YARA-X ${compilerCode(err.message)})`)
      }
      throw err
    }
  }

  async function restart (options: AbortOptions = {}): Promise<void> {
    scanner?.kill()
    scanner = undefined
    if (live.length === 0) return
    const started = await spawn(live, options)
    // a ruleset that compiled alone but not here (it never should) is left out and said so, by id only
    for (const s of started.ready.skipped) opts.logger.warn({ rulesetId: live[s.index]?.rulesetId }, 'hunt ruleset left out of the scanner')
    scanner = started
  }

  return {
    get rulesets () { return live.length },
    async check (source, options = {}) {
      if (declaredRules(source).names.length === 0) throw new HuntError('RULES_INVALID', 'the rules declare no rule')
      const p = await spawn([{ rulesetId: `0x${'00'.repeat(32)}`, source }], options)
      p.kill()
    },
    async load (rulesets, options = {}) {
      await serial(async () => {
        live = [...rulesets]
        await restart(options)
      })
    },
    async match (bytes, { timeoutMs, signal }) {
      return await serial(async (): Promise<HuntScanOutcome> => {
        if (live.length === 0) return { status: 'done', matches: new Map() }
        if (scanner === undefined || !scanner.alive) await restart({ signal })
        const current = scanner
        if (current === undefined) return { status: 'failed' }
        const outcome = await current.scan(bytes, { timeoutMs, signal })
        if (outcome.status !== 'done') {
          // the process is gone (killed on its budget, or it died): the next scan starts another
          if (outcome.status === 'failed') opts.logger.warn({ why: outcome.why.slice(0, 200) }, 'hunt scan failed')
          return { status: outcome.status }
        }
        const matches = new Map<Hex, string[]>()
        for (const m of outcome.matches) {
          const id = live[m.fileIndex]?.rulesetId
          if (id === undefined || !RULE_NAME.test(m.rule)) continue
          const rules = matches.get(id) ?? []
          if (!rules.includes(m.rule)) rules.push(m.rule)
          matches.set(id, rules)
        }
        for (const [id, rules] of matches) matches.set(id, rules.toSorted().slice(0, MAX_MATCH_RULES))
        return { status: 'done', matches }
      })
    },
    async stop () {
      await serial(async () => {
        live = []
        scanner?.kill()
        scanner = undefined
      })
    }
  }
}
