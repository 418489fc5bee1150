import type { EngineCategory } from '#protocol/messages.ts'

/** What a module run by worker-host.ts exports: `createScanner(options)`. */
export interface WorkerScanner<D = unknown> {
  readonly version: string
  /** YYYYMMDD; may change between scans (a reloaded feed) */
  signatureDate(): string
  scan(bytes: Uint8Array, meta: { fileType: string }): Promise<WorkerVerdict<D>>
}

export interface WorkerVerdict<D = unknown> {
  category: EngineCategory
  result: string
  /** engine-specific detail (findings, indicators) for callers that want more than the verdict */
  detail?: D
}

export type CreateScanner<O = unknown, D = unknown> = (options: O) => Promise<WorkerScanner<D>>

export type HostRequest = { type: 'scan', id: number, bytes: Uint8Array, fileType: string }

export type HostReply =
  | { type: 'ready', version: string, signatureDate: string }
  | { type: 'init-error', message: string }
  | { type: 'result', id: number, verdict: WorkerVerdict, signatureDate: string }
  | { type: 'error', id: number, message: string }

/**
 * Inputs that make a worker misbehave on purpose, honoured only when the engine is built with
 * `testHooks: true` (the compliance test's slow and crashing inputs). Assembled at run time so
 * no source file carries them as a literal prefix.
 */
export const TEST_HOOKS = {
  hang: ['VIRUSMAP', 'TEST', 'HANG'].join('-'),
  crash: ['VIRUSMAP', 'TEST', 'CRASH'].join('-'),
  throw: ['VIRUSMAP', 'TEST', 'THROW'].join('-'),
  oom: ['VIRUSMAP', 'TEST', 'OOM'].join('-')
} as const
