import type { EngineResult } from '#protocol/messages.ts'
import type { QuorumMetrics } from '../metrics/registry.ts'
import { engineScanLimiter } from '../scan/limiter.ts'
import { withinBudget } from './budget.ts'
import type { Engine, ScanInput } from '../scan/engine.ts'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Runs every engine that supports the sample's kind, concurrently. An engine that throws is
 * recorded as `failure`, one still running when `signal` (the scan budget) aborts as `timeout`:
 * one engine's fault or slowness never costs the member its verdict.
 */
export async function runEngines (
  engines: Engine[], input: ScanInput, logger: Logger, metrics: QuorumMetrics | undefined,
  options: AbortOptions & { onDetail?: (engine: string, detail: unknown) => void } = {}
): Promise<EngineResult[]> {
  const { onDetail, signal } = options
  const results = await Promise.all(engines.map(async (engine): Promise<EngineResult> => {
    const base = { engine: engine.name, engineVersion: engine.version, engineUpdate: engine.signatureDate, method: 'blacklist' }
    if (!engine.kinds.includes(input.kind)) return { ...base, category: 'type-unsupported', result: '' }
    const started = performance.now()
    const timedOut = { ...base, category: 'timeout' as const, result: '' }
    try {
      // an engine's detail (e.g. the indicators heuristics found) comes from the same scan, not a second one
      const scan = engineScanLimiter.run(async () => {
        if (onDetail === undefined || engine.scanDetailed === undefined) return await engine.scan(input, { signal })
        const detailed = await engine.scanDetailed(input, { signal })
        if (detailed.detail !== undefined) onDetail(engine.name, detailed.detail)
        return detailed.result
      }, { signal })
      const result = signal === undefined ? await scan : await withinBudget(scan, signal)
      if (result === undefined) return timedOut
      metrics?.scanDuration.observe({ engine: engine.name, category: result.category }, (performance.now() - started) / 1000)
      return result
    } catch (err) {
      if (signal?.aborted === true) return timedOut
      logger.warn({ engine: engine.name, sha256: input.sha256, err }, 'engine failed')
      return { ...base, category: 'failure', result: '' }
    }
  }))
  return results.toSorted((a, b) => a.engine < b.engine ? -1 : a.engine > b.engine ? 1 : 0)
}

