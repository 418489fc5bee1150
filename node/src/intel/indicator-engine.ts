import { EngineNotStartedError, ScanAbortedError } from '../scan/engine.ts'
import type { Engine, ScanInput } from '../scan/engine.ts'
import type { EngineCategory, EngineResult, IndicatorKind } from '#protocol/messages.ts'
import { readSubject } from './indicator-subject.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface Judgement {
  category: EngineCategory
  /** the finding's label, '' when not flagged */
  result: string
}

export interface IndicatorEngineOptions<State> {
  name: string
  kinds: readonly IndicatorKind[]
  method: string
  /** loads what the engine judges by (lists, brands, feeds it starts) */
  load: (options: AbortOptions) => Promise<State>
  /** releases what load() started (feeds' refresh timers) */
  unload?: (state: State) => Promise<void>
  /** the engine's version and signature date; they may move as its data refreshes (undefined state: not started) */
  version: (state: State | undefined) => string
  signatureDate: (state: State | undefined) => string
  /** pure and synchronous: bounded work on a canonical subject of one of `kinds` */
  judge: (kind: IndicatorKind, subject: string, state: State) => Judgement
}

/**
 * The one shell of the in-process indicator engines. They judge a short canonical string with
 * table lookups and string arithmetic, so they run in-process (a worker round trip would cost
 * more than the judgement); what keeps them safe is readSubject's size cap and canonicalization
 * before any judge sees the bytes, and judges that do bounded work. Bytes that are not a
 * canonical subject of a kind the engine judges are `type-unsupported`.
 */
export function createIndicatorEngine<State> (opts: IndicatorEngineOptions<State>): Engine {
  let loaded: { state: State } | undefined
  const version = (): string => opts.version(loaded?.state).slice(0, 64)
  const date = (): string => opts.signatureDate(loaded?.state)
  const result = (category: EngineCategory, label: string): EngineResult => ({
    engine: opts.name,
    engineVersion: version(),
    engineUpdate: date(),
    category,
    result: category === 'malicious' || category === 'suspicious' ? label.slice(0, 256) : '',
    method: opts.method
  })
  return {
    name: opts.name,
    get version () { return version() },
    get signatureDate () { return date() },
    kinds: opts.kinds,
    async start () {
      if (loaded !== undefined) return
      loaded = { state: await opts.load({}) }
    },
    async stop () {
      if (loaded === undefined) return
      const { state } = loaded
      loaded = undefined
      await opts.unload?.(state)
    },
    async scan (input: ScanInput, options: AbortOptions = {}) {
      if (loaded === undefined) throw new EngineNotStartedError(opts.name)
      if (options.signal?.aborted === true) throw new ScanAbortedError({ cause: options.signal.reason })
      const subject = readSubject(input, opts.kinds)
      if (subject === undefined) return result('type-unsupported', '')
      const judged = opts.judge(subject.kind, subject.subject, loaded.state)
      return result(judged.category, judged.result)
    }
  }
}
