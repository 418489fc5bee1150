import { createIndicatorEngine } from './indicator-engine.ts'
import { judgeUrl } from './url-heuristics.ts'
import type { Engine } from '../scan/engine.ts'

export const URL_HEURISTICS_ENGINE_NAME = 'VirusMap-URL-Heuristics'
/** bumped when the findings or weights change, so verdicts say which rules made them */
export const URL_HEURISTICS_VERSION = '1.0.0'
export const URL_HEURISTICS_DATE = '20261123'

/** Structural URL heuristics (url-heuristics.ts) for URL jobs. */
export function createUrlHeuristicsEngine (): Engine {
  return createIndicatorEngine({
    name: URL_HEURISTICS_ENGINE_NAME,
    kinds: ['url'],
    method: 'heuristic',
    load: async () => undefined,
    version: () => URL_HEURISTICS_VERSION,
    signatureDate: () => URL_HEURISTICS_DATE,
    judge: (_kind, subject) => judgeUrl(subject)
  })
}
