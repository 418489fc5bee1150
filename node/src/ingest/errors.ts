export type IngestErrorCode = 'SAMPLE_TOO_LARGE'

/** The upload grew past the size limit; it was rejected while reading and nothing was stored. */
export class SampleTooLargeError extends Error {
  override readonly name = 'SampleTooLargeError'
  readonly code: IngestErrorCode = 'SAMPLE_TOO_LARGE'
  readonly maxBytes: number
  constructor (maxBytes: number) {
    super(`sample exceeds ${maxBytes} bytes`)
    this.maxBytes = maxBytes
  }
}
