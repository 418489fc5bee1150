/**
 * What a port may throw, by `code` (anything else becomes a 500):
 * - SAMPLE_TOO_LARGE -> 413, UNAVAILABLE -> 503.
 */
export const PORT_ERROR_CODES = ['SAMPLE_TOO_LARGE', 'UNAVAILABLE'] as const
export type PortErrorCode = typeof PORT_ERROR_CODES[number]
