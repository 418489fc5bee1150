import { EngineNotStartedError, ScanAbortedError } from '../scan/engine.ts'
import type { Engine, ScanInput } from '../scan/engine.ts'
import type { EngineCategory, EngineResult, SampleKind } from '../../../protocol/src/messages.ts'
import { MAX_SUBJECT_BYTES } from './indicator-subject.ts'

export interface Judgement {
  category: EngineCategory
  /** the finding's label, '' when not flagged */
  result: string
}

export interface IndicatorEngineOptions<State> {
  name: string
  version: string
  kinds: readonly SampleKind[]
  method: string
  /** loads what the engine judges by (lists, brands); its date is the engine's signature date */
  load: (options: { signal?: AbortSignal }) => Promise<{ state: State, signatureDate: string }>
  /** pure and synchronous: bounded work on a bounded subject */
  judge: (kind: SampleKind, subject: string, state: State) => Judgement
}

/**
 * The shell of an in-process indicator engine. Indicator engines judge a short canonical string
 * with table lookups and string arithmetic, so they run in-process (a worker round trip would
 * cost more than the judgement); what keeps them safe is the subject cap here, checked before any
 * parsing, and judges that do bounded work.
 */
export function createIndicatorEngine<State> (opts: IndicatorEngineOptions<State>): Engine {
  let loaded: { state: State } | undefined
  let signatureDate = '19700101'
  const result = (category: EngineCategory, label: string): EngineResult => ({
    engine: opts.name, engineVersion: opts.version, engineUpdate: signatureDate, category, result: label.slice(0, 256), method: opts.method
  })
  return {
    name: opts.name,
    version: opts.version,
    get signatureDate () { return signatureDate },
    kinds: opts.kinds,
    async start () {
      const { state, signatureDate: date } = await opts.load({})
      loaded = { state }
      signatureDate = date
    },
    async stop () {
      loaded = undefined
    },
    async scan (input: ScanInput, options: { signal?: AbortSignal } = {}) {
      if (loaded === undefined) throw new EngineNotStartedError(opts.name)
      if (options.signal?.aborted === true) throw new ScanAbortedError({ cause: options.signal.reason })
      if (!opts.kinds.includes(input.kind)) return result('type-unsupported', '')
      if (input.bytes.byteLength > MAX_SUBJECT_BYTES) return result('undetected', '')
      const subject = new TextDecoder('utf-8', { fatal: false }).decode(input.bytes)
      const { category, result: label } = opts.judge(input.kind, subject, loaded.state)
      return result(category, category === 'malicious' || category === 'suspicious' ? label : '')
    }
  }
}
