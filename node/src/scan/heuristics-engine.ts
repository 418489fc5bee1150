import { analyze, verdictOf } from './heuristics/analyze.ts'
import { createWorkerEngine } from './worker-engine.ts'
import type { Analysis } from './heuristics/analyze.ts'
import type { WorkerEngine } from './worker-engine.ts'
import type { CreateScanner } from './worker-protocol.ts'
import type { Logger } from 'pino'

/** bumped when the findings change, so verdicts say which rules made them */
export const HEURISTICS_VERSION = '1.0.0'
export const HEURISTICS_DATE = '20261123'

/** Worker side: the analysers are synchronous; the worker's budget bounds them. */
export const createScanner: CreateScanner<unknown, Analysis> = async () => ({
  version: HEURISTICS_VERSION,
  signatureDate: () => HEURISTICS_DATE,
  async scan (bytes) {
    const analysis = analyze(bytes)
    return { ...verdictOf(analysis.findings), detail: analysis }
  }
})

export interface HeuristicsEngineOptions {
  timeoutMs: number
  concurrency?: number
  logger?: Logger
  testHooks?: boolean
}

/**
 * Static heuristics: file type, entropy, named findings for PE (pe-library), ELF, Mach-O,
 * scripts, Office macros (cfb + MS-OVBA decompression) and PDF, and the URLs and domains a
 * sample carries (scanDetailed's detail.indicators) for the intel engines. Runs in workers:
 * a parser that loops or balloons on a hostile sample costs a worker, not the node.
 */
export function createHeuristicsEngine (options: HeuristicsEngineOptions): WorkerEngine<Analysis> {
  return createWorkerEngine<Analysis>({
    name: 'VirusMap-Heuristics',
    module: new URL('./heuristics-engine.ts', import.meta.url),
    moduleOptions: {},
    method: 'heuristic',
    timeoutMs: options.timeoutMs,
    concurrency: options.concurrency ?? 2,
    maxHeapMb: 1024,
    logger: options.logger,
    testHooks: options.testHooks
  })
}
