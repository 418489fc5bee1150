/** Why an epoch feed cannot be built or a served one is refused (SPEC section 18, feeds). Callers branch on `code`. */
export const FEED_ERROR_CODES = [
  /** a report the feed would read is not a final report's shape (a bug or a corrupt store: nothing is signed) */
  'MALFORMED_REPORT',
  /** two reports of one job */
  'DUPLICATE_JOB',
  /** more reports than one epoch anchors (MAX_ANCHOR_JOBS) */
  'TOO_MANY_REPORTS',
  /** served bytes that are not the feed's JSON lines: a line off its schema, not canonical, or out of order */
  'MALFORMED_FEED',
  /** a line of another epoch than the one ordered */
  'WRONG_EPOCH',
  /** an order subject that is no epoch number (a uint256 above 2^53 - 1) */
  'BAD_SUBJECT'
] as const
export type FeedErrorCode = typeof FEED_ERROR_CODES[number]

export class FeedError extends Error {
  override readonly name = 'FeedError'
  readonly code: FeedErrorCode
  constructor (code: FeedErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
