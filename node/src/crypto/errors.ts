export type SampleCryptoErrorCode = 'DECRYPTION_FAILED' | 'MANIFEST_INVALID' | 'SAMPLE_TOO_LARGE'

/** A ciphertext chunk failed authentication, is out of place, or the sizes do not add up. */
export class DecryptionFailedError extends Error {
  override readonly name = 'DecryptionFailedError'
  readonly code: SampleCryptoErrorCode = 'DECRYPTION_FAILED'
}

/** The manifest block is not a well-formed v1 manifest (or does not match its CID). */
export class ManifestInvalidError extends Error {
  override readonly name = 'ManifestInvalidError'
  readonly code: SampleCryptoErrorCode = 'MANIFEST_INVALID'
}

/** A well-formed manifest declares a sample larger than the reader's limit: refused before any chunk is fetched. */
export class SampleTooLargeError extends Error {
  override readonly name = 'SampleTooLargeError'
  readonly code: SampleCryptoErrorCode = 'SAMPLE_TOO_LARGE'
}

export type CryptoPoolErrorCode = 'CRYPTO_WORKER_FAILED' | 'CRYPTO_POOL_NOT_RUNNING'

/** A crypto thread died, or never started, with requests on it: they fail; new ones go to a replacement. */
export class CryptoWorkerFailedError extends Error {
  override readonly name = 'CryptoWorkerFailedError'
  readonly code: CryptoPoolErrorCode = 'CRYPTO_WORKER_FAILED'
}

/** The crypto pool was not started, or was stopped with requests in flight. */
export class CryptoPoolNotRunningError extends Error {
  override readonly name = 'CryptoPoolNotRunningError'
  readonly code: CryptoPoolErrorCode = 'CRYPTO_POOL_NOT_RUNNING'
}
