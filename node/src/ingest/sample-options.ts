/**
 * The sample store's option in a node's config file, its default and its validation: the largest
 * sample this node stores, takes as an upload and accepts as a job (the network's own maxSampleBytes
 * parameter, where governance set one, bounds jobs too). config.ts composes it under the same name.
 */
export interface SampleOptions {
  maxSampleBytes: number
}

export const SAMPLE_DEFAULTS = {
  maxSampleBytes: 650 * 1024 * 1024
} as const satisfies SampleOptions

/** What is wrong with the sample options of a config object whose defaults are filled in; undefined: nothing. */
export function checkSampleOptions (cfg: Record<string, unknown>): string | undefined {
  return Number.isSafeInteger(cfg.maxSampleBytes) && (cfg.maxSampleBytes as number) >= 0 ? undefined : 'maxSampleBytes must be a non-negative integer'
}
