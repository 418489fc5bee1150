import type { ParseArgsOptionsConfig } from 'node:util'

/** Where a command writes; process.stdout/stderr in main.ts, string sinks in tests. */
export interface Output {
  write(chunk: string): unknown
  isTTY?: boolean
}

export interface CommandContext {
  stdout: Output
  stderr: Output
  /** aborted on SIGINT/SIGTERM (main.ts) */
  signal: AbortSignal
  env: Record<string, string | undefined>
  /** where relative paths and the default .devnet/devnet.json are looked up */
  cwd: string
}

export type OptionValue = string | boolean | Array<string | boolean> | undefined

export interface CommandArgs {
  values: Record<string, OptionValue>
  positionals: string[]
}

/** One `virusmap <name>` command; main.ts parses its options with node:util parseArgs (strict). */
export interface Command {
  name: string
  /** one line for `virusmap --help` */
  summary: string
  /** `virusmap name ARGS [--flags]` */
  usage: string
  options: ParseArgsOptionsConfig
  /** resolves to the exit code (see EXIT_CODES) */
  run(args: CommandArgs, ctx: CommandContext): Promise<number>
}

export const EXIT_CODES = {
  ok: 0,
  usage: 1,
  notFound: 2,
  verificationFailed: 3,
  network: 4,
  /** the network ended the analysis without a report (its jobs failed: NO_QUORUM, NO_AGREEMENT, COMPLAINTS) */
  analysisFailed: 5
} as const
export type ExitCode = typeof EXIT_CODES[keyof typeof EXIT_CODES]
