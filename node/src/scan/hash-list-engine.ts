import { createWorkerEngine } from './worker-engine.ts'
import type { WorkerEngine } from './worker-engine.ts'
import type { HashListDetail, HashListOptions } from './hash-list.ts'
import type { Logger } from 'pino'

export interface HashListEngineOptions extends Partial<HashListOptions> {
  feeds: string[]
  timeoutMs: number
  concurrency?: number
  logger?: Logger
  testHooks?: boolean
}

/** The engine's name in reports (a public list to the rewards' publicListEngines). */
export const HASH_LIST_ENGINE_NAME = 'VirusMap-HashList'

/** Known-bad hash feeds (md5/sha1/sha256, and TLSH digests whose neighbours match too), looked up in a worker; feeds reload on change. */
export function createHashListEngine (options: HashListEngineOptions): WorkerEngine<HashListDetail> {
  return createWorkerEngine<HashListDetail>({
    name: HASH_LIST_ENGINE_NAME,
    module: new URL('./hash-list.ts', import.meta.url),
    moduleOptions: { feeds: options.feeds, reloadCheckMs: options.reloadCheckMs ?? 2000, tlshThreshold: options.tlshThreshold } satisfies HashListOptions,
    method: 'blacklist',
    timeoutMs: options.timeoutMs,
    concurrency: options.concurrency ?? 1,
    // the feeds live in every worker: leave room for ~10 million entries
    maxHeapMb: 4096,
    logger: options.logger,
    testHooks: options.testHooks
  })
}
