import type { Engine, ScanInput } from './engine.ts'
import type { EngineResult } from '#protocol/messages.ts'
import type { AbortOptions } from '@libp2p/interface'

export type SessionScan = (input: ScanInput, options?: AbortOptions) => Promise<EngineResult>

/**
 * An engine that can hold one warm scanner for a run of scans, such as every member of one
 * archive: the run takes one of the engine's slots once instead of queueing per member.
 */
export interface SessionEngine extends Engine {
  /** runs `work` with one scanner held until it settles; rejects like scan() when `signal` aborts */
  withSession<T>(work: (scan: SessionScan) => Promise<T>, options?: AbortOptions): Promise<T>
}

export const hasSessions = (engine: Engine): engine is SessionEngine => typeof (engine as Partial<SessionEngine>).withSession === 'function'
