/**
 * The YARA-X scanner of the hunt (SPEC 19): the vendors' rulesets compiled in one warm scanner process of
 * the YARA engine's (yara-scanner-process.ts) as untrusted rules (each ruleset its own unit, no includes),
 * one sample at a time. A new ruleset is first compiled alone in a process of its own within the compile
 * bound. Rules never leave this module: not in logs, not in errors (a compile error names its code and line).
 * One vendor's slow rule must not cost the others their matches: when the shared process runs over budget,
 * each of its rulesets is run alone on that sample, and those over budget alone are moved to a second,
 * quarantine process with a budget of its own, where they stay while they are live.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { Logger } from 'pino'
import { HuntError } from '#protocol/hunt/errors.ts'
import { MAX_MATCH_RULES, RULE_NAME } from '#protocol/hunt/match.ts'
import type { Hex } from '#protocol/messages.ts'
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
  /** `overBudget`: the rulesets that ran out of time on this sample (the others' matches are complete) */
  | { status: 'done', matches: Map<Hex, string[]>, overBudget: Hex[] }
  /** every ruleset ran out of time */
  | { status: 'timeout' }
  | { status: 'failed' }

export interface HuntScanner {
  /** Compiles `source` alone; HuntError RULES_INVALID (with the compiler's code and line) or COMPILE_TIMEOUT. */
  check(source: string, options?: AbortOptions): Promise<void>
  /** Replaces the live rulesets (none: no process runs). */
  load(rulesets: readonly LoadedRuleset[], options?: AbortOptions): Promise<void>
  /** The rules of each ruleset that match `bytes`, within `timeoutMs` for all of them. */
  match(bytes: Uint8Array, options: AbortOptions & { timeoutMs: number }): Promise<HuntScanOutcome>
  readonly rulesets: number
  stop(): Promise<void>
}

// only the compiler's error code leaves: the message quotes the source
const compilerCode = (message: string): string => /E[0-9]{3}/.exec(message)?.[0] ?? 'unknown'

// a process that should hold rulesets and is absent or dead is restarted before the next sample
const isDown = (p: ScannerProcess | undefined, rulesets: readonly LoadedRuleset[]): boolean => rulesets.length > 0 && (p === undefined || !p.alive)

export function createHuntScanner (opts: HuntScannerOptions): HuntScanner {
  const maxHeapMb = opts.maxHeapMb ?? 256
  let live: LoadedRuleset[] = []
  /** rulesets found over budget alone: they run in the quarantine process */
  const slow = new Set<Hex>()
  let scanner: ScannerProcess | undefined
  let quarantine: ScannerProcess | undefined
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

  const shared = (): LoadedRuleset[] => live.filter((r) => !slow.has(r.rulesetId))
  const quarantined = (): LoadedRuleset[] => live.filter((r) => slow.has(r.rulesetId))

  /** a process over `rulesets` (none: no process); a ruleset that compiled alone but not here (it never should) is left out, said so by id */
  async function start (rulesets: readonly LoadedRuleset[], options: AbortOptions): Promise<ScannerProcess | undefined> {
    if (rulesets.length === 0) return undefined
    const started = await spawn(rulesets, options)
    for (const s of started.ready.skipped) opts.logger.warn({ rulesetId: rulesets[s.index]?.rulesetId }, 'hunt ruleset left out of the scanner')
    return started
  }

  async function restart (options: AbortOptions = {}): Promise<void> {
    scanner?.kill()
    quarantine?.kill()
    scanner = undefined
    quarantine = undefined
    scanner = await start(shared(), options)
    quarantine = await start(quarantined(), options)
  }

  /** the rules each of `rulesets` matched, by ruleset id; undefined when the process ran over budget; throws when it failed */
  async function scanWith (p: ScannerProcess, rulesets: readonly LoadedRuleset[], bytes: Uint8Array, o: AbortOptions & { timeoutMs: number }): Promise<Map<Hex, string[]> | undefined> {
    const outcome = await p.scan(bytes, o)
    if (outcome.status === 'timeout') return undefined
    if (outcome.status !== 'done') throw new Error(outcome.why.slice(0, 200))
    const matches = new Map<Hex, string[]>()
    for (const m of outcome.matches) {
      const id = rulesets[m.fileIndex]?.rulesetId
      if (id === undefined || !RULE_NAME.test(m.rule)) continue
      const rules = matches.get(id) ?? []
      if (!rules.includes(m.rule)) rules.push(m.rule)
      matches.set(id, rules)
    }
    for (const [id, rules] of matches) matches.set(id, rules.toSorted().slice(0, MAX_MATCH_RULES))
    return matches
  }

  /**
   * The shared process ran over budget on `bytes`: each of its rulesets alone, and those over budget alone
   * (or, when each finished alone, the slowest) quarantined, so every isolation moves one at least and a
   * set of rulesets that is slow only together cannot make every sample cost a process per ruleset.
   */
  async function isolate (rulesets: readonly LoadedRuleset[], bytes: Uint8Array, o: AbortOptions & { timeoutMs: number }, into: Map<Hex, string[]>): Promise<Hex[]> {
    const over: Hex[] = []
    let slowest: { id: Hex, ms: number } | undefined
    for (const r of rulesets) {
      const alone = rulesets.length === 1 ? undefined : await spawn([r], o)
      const began = Date.now()
      try {
        const got = alone === undefined ? undefined : await scanWith(alone, [r], bytes, o)
        if (got === undefined) over.push(r.rulesetId)
        else for (const [id, rules] of got) into.set(id, rules)
        const ms = Date.now() - began
        if (got !== undefined && (slowest === undefined || ms > slowest.ms)) slowest = { id: r.rulesetId, ms }
      } finally {
        alone?.kill()
      }
    }
    for (const id of over.length > 0 ? over : slowest === undefined ? [] : [slowest.id]) slow.add(id)
    opts.logger.warn({ overBudget: over, quarantined: [...slow] }, 'hunt scan over budget: rulesets quarantined in a process of their own')
    return over
  }

  async function matchAll (bytes: Uint8Array, o: AbortOptions & { timeoutMs: number }): Promise<HuntScanOutcome> {
    if (live.length === 0) return { status: 'done', matches: new Map(), overBudget: [] }
    if (isDown(scanner, shared()) || isDown(quarantine, quarantined())) await restart(o)
    const matches = new Map<Hex, string[]>()
    const overBudget: Hex[] = []
    // the quarantine first, over the rulesets its process was started with: those found slow on this sample below already had their time
    const held = quarantined()
    if (quarantine !== undefined) {
      const got = await scanWith(quarantine, held, bytes, o)
      if (got !== undefined) for (const [id, rules] of got) matches.set(id, rules)
      else {
        overBudget.push(...held.map((r) => r.rulesetId))
        quarantine.kill()
        quarantine = await start(held, o)
      }
    }
    const main = shared()
    if (scanner !== undefined) {
      const got = await scanWith(scanner, main, bytes, o)
      if (got !== undefined) for (const [id, rules] of got) matches.set(id, rules)
      else {
        // the process is gone (killed on its budget): find the slow rulesets, then start again without them
        overBudget.push(...await isolate(main, bytes, o, matches))
        await restart(o)
      }
    }
    return overBudget.length === live.length ? { status: 'timeout' } : { status: 'done', matches, overBudget }
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
        for (const id of slow) if (!live.some((r) => r.rulesetId === id)) slow.delete(id)
        await restart(options)
      })
    },
    async match (bytes, { timeoutMs, signal }) {
      return await serial(async (): Promise<HuntScanOutcome> => {
        try {
          return await matchAll(bytes, { timeoutMs, ...(signal === undefined ? {} : { signal }) })
        } catch (err) {
          signal?.throwIfAborted()
          if (err instanceof HuntError) throw err
          // a process died: the next scan starts them again
          opts.logger.warn({ why: (err as Error).message }, 'hunt scan failed')
          scanner?.kill()
          quarantine?.kill()
          scanner = undefined
          quarantine = undefined
          return { status: 'failed' }
        }
      })
    },
    async stop () {
      await serial(async () => {
        live = []
        slow.clear()
        scanner?.kill()
        quarantine?.kill()
        scanner = undefined
        quarantine = undefined
      })
    }
  }
}
