import { loadBrandData } from './brands.ts'
import { createIndicatorEngine } from './indicator-engine.ts'
import { judgeHost } from './lookalike.ts'
import { subjectHost } from './reputation/subject.ts'
import type { BrandOptions } from './brands.ts'
import type { Engine } from '../scan/engine.ts'

export const LOOKALIKE_ENGINE_NAME = 'VirusMap-Lookalike'
/** bumped when the checks change, so verdicts say which rules made them */
export const LOOKALIKE_VERSION = '1.0.0'
export const LOOKALIKE_DATE = '20261123'

/** Look-alike domains (homographs, typos, brand in subdomain) for domain and URL jobs. */
export function createLookalikeEngine (options: BrandOptions = {}): Engine {
  return createIndicatorEngine({
    name: LOOKALIKE_ENGINE_NAME,
    kinds: ['domain', 'url'],
    method: 'heuristic',
    load: async () => await loadBrandData(options),
    version: () => LOOKALIKE_VERSION,
    signatureDate: () => LOOKALIKE_DATE,
    judge: (kind, subject, brands) => {
      const host = subjectHost(kind === 'url' ? 'url' : 'domain', subject)
      return host === undefined ? { category: 'undetected', result: '' } : judgeHost(host, brands)
    }
  })
}
