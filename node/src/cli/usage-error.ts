/** The user asked for something that cannot work as asked (bad flag, missing file, bad config): exit 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  readonly code = 'USAGE'
}
