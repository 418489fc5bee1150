import { FUZZY_ENGINE } from '#protocol/rewards/fuzzy.ts'
import { TLSH_ENGINE_MAX_BYTES, TlshError, tlsh } from './tlsh.ts'
import { createWorkerEngine } from './worker-engine.ts'
import type { WorkerEngine } from './worker-engine.ts'
import type { CreateScanner } from './worker-protocol.ts'
import type { Logger } from 'pino'

/** bumped if the digest of any input could change (it cannot while TLSH T1 is TLSH T1) */
export const TLSH_ENGINE_VERSION = '4.12-T1'
export const TLSH_ENGINE_DATE = '20261206'
export { TLSH_ENGINE_MAX_BYTES }

export interface TlshEngineOptions {
  timeoutMs: number
  maxBytes?: number
  concurrency?: number
  logger?: Logger
  testHooks?: boolean
}

/** why a sample has no digest (the TlshError code, or TLSH_ENGINE_TOO_LARGE), or its digest */
export type TlshDetail = { digest: string } | { code: string }

/**
 * Worker side. The digest goes in the result under `type-unsupported`: the one category nothing
 * reads as a judgement. aggregateEngines counts it only in stats['type-unsupported'], the
 * reputation evidence and the rewards leave it out of detections and of engine totals, whereas
 * `undetected` or `harmless` would add a "clean" vote to every report (a malware sample would read
 * 5/6 instead of 5/5). A sample TLSH cannot digest (under 50 bytes, too little variance, over the
 * size bound) is type-unsupported with no result, the same for every member.
 */
export const createScanner: CreateScanner<{ maxBytes: number }, TlshDetail> = async (options) => ({
  version: TLSH_ENGINE_VERSION,
  signatureDate: () => TLSH_ENGINE_DATE,
  async scan (bytes) {
    if (bytes.length > options.maxBytes) return { category: 'type-unsupported', result: '', detail: { code: 'TLSH_ENGINE_TOO_LARGE' } }
    try {
      const digest = tlsh(bytes)
      return { category: 'type-unsupported', result: digest, detail: { digest } }
    } catch (err) {
      if (err instanceof TlshError) return { category: 'type-unsupported', result: '', detail: { code: err.code } }
      throw err
    }
  }
})

/**
 * The `tlsh` engine: a file's TLSH T1 digest, which the near-duplicate rule and the malware
 * families of the rewards (SPEC section 17) and the TLSH-neighbour hash lists read. Its name is
 * the protocol's FUZZY_ENGINE. Runs in a worker so a 100 MiB sample does not hold the event loop.
 */
export function createTlshEngine (options: TlshEngineOptions): WorkerEngine<TlshDetail> {
  return createWorkerEngine<TlshDetail>({
    name: FUZZY_ENGINE,
    module: new URL('./tlsh-engine.ts', import.meta.url),
    moduleOptions: { maxBytes: options.maxBytes ?? TLSH_ENGINE_MAX_BYTES },
    method: 'fuzzy-hash',
    timeoutMs: options.timeoutMs,
    concurrency: options.concurrency ?? 1,
    maxHeapMb: 512,
    logger: options.logger,
    testHooks: options.testHooks
  })
}
