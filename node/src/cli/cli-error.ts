import { EXIT_CODES, type ExitCode } from './command.ts'

export const CLI_ERROR_CODES = {
  NOT_FOUND: EXIT_CODES.notFound,
  VERIFICATION_FAILED: EXIT_CODES.verificationFailed,
  NETWORK: EXIT_CODES.network,
  ANALYSIS_FAILED: EXIT_CODES.analysisFailed
} as const satisfies Record<string, ExitCode>
export type CliErrorCode = keyof typeof CLI_ERROR_CODES

/** A failure that is not the user's doing; its code picks the exit code. */
export class CliError extends Error {
  override readonly name = 'CliError'
  readonly code: CliErrorCode
  constructor (code: CliErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }

  get exitCode (): ExitCode {
    return CLI_ERROR_CODES[this.code]
  }
}
