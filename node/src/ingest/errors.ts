export type IngestErrorCode = 'SAMPLE_TOO_LARGE' | 'SPOOL_CORRUPT' | 'BLOCK_WRITE_FAILED'

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

/** A spooled chunk read back does not authenticate: the temp file changed under the ingest. */
export class SpoolCorruptError extends Error {
  override readonly name = 'SpoolCorruptError'
  readonly code: IngestErrorCode = 'SPOOL_CORRUPT'
}

/**
 * The blockstore could not write the sample's blocks (a full disk, an I/O error; the cause says
 * which): nothing was acknowledged, and the blocks written so far are discarded.
 */
export class BlockWriteFailedError extends Error {
  override readonly name = 'BlockWriteFailedError'
  readonly code: IngestErrorCode = 'BLOCK_WRITE_FAILED'
}
