import type { EngineResult, Hex, SampleKind } from '#protocol/messages.ts'
import type { AbortOptions } from '@libp2p/interface'

/** What an engine is given: the decrypted sample and what the network already knows about it. */
export interface ScanInput {
  bytes: Uint8Array
  sha256: Hex
  /** short type tag from detectFileType, e.g. "PE32", "ELF", "text" */
  fileType: string
  kind: SampleKind
  /** a member's scan of a job: the job's signed submitter fields, for engines that judge by who submitted (undefined elsewhere: archive members, hunting) */
  job?: ScanJobFacts
}

export interface ScanJobFacts {
  /** verified by job validation; the zero address when anonymous */
  submitter: Hex
  /** ms, signed by the submitter; 0 when anonymous */
  submittedAt: number
  createdAt: number
  /** what the submitter wrote: not to be believed */
  context: string
}

/**
 * One scanning engine. Engines run their scanner isolated (child process or worker) so a hang
 * or crash becomes a `timeout`/`failure` result instead of taking the node down.
 */
export interface Engine {
  readonly name: string
  readonly version: string
  /** signature date, YYYYMMDD */
  readonly signatureDate: string
  readonly kinds: readonly SampleKind[]
  start(): Promise<void>
  stop(): Promise<void>
  /** Resolves with a result (including timeout/failure); rejects only when the signal aborts or the engine is not started. */
  scan(input: ScanInput, options?: AbortOptions): Promise<EngineResult>
  /** Optional: scan() plus the engine's own detail (findings, extracted indicators), from the same scan. */
  scanDetailed?(input: ScanInput, options?: AbortOptions): Promise<{ result: EngineResult, detail?: unknown }>
}

export const ENGINE_ERROR_CODES = [
  'ENGINE_NOT_STARTED',
  'ENGINE_UNAVAILABLE',
  'NO_RULES',
  'RULES_COMPILE_FAILED',
  'SCAN_ABORTED'
] as const
export type EngineErrorCode = typeof ENGINE_ERROR_CODES[number]

export class EngineError extends Error {
  override name = 'EngineError'
  readonly code: EngineErrorCode

  constructor (code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** scan() called before start() or after stop() */
export class EngineNotStartedError extends EngineError {
  override name = 'EngineNotStartedError'
  constructor (engine: string) { super('ENGINE_NOT_STARTED', `${engine} is not started`) }
}

/** the scanner program or library cannot be found or run */
export class EngineUnavailableError extends EngineError {
  override name = 'EngineUnavailableError'
  constructor (message: string, options?: { cause?: unknown }) { super('ENGINE_UNAVAILABLE', message, options) }
}

/** the rule directories hold no rule files at all */
export class NoRulesError extends EngineError {
  override name = 'NoRulesError'
  constructor (dirs: string[]) { super('NO_RULES', `no *.yar/*.yara rule files in ${dirs.join(', ')}`) }
}

/** rule files exist but none of them compiles */
export class RulesCompileError extends EngineError {
  override name = 'RulesCompileError'
  constructor (message: string, options?: { cause?: unknown }) { super('RULES_COMPILE_FAILED', message, options) }
}

/** the caller's signal aborted the scan */
export class ScanAbortedError extends EngineError {
  override name = 'ScanAbortedError'
  constructor (options?: { cause?: unknown }) { super('SCAN_ABORTED', 'scan aborted', options) }
}
