export type SampleCryptoErrorCode = 'DECRYPTION_FAILED' | 'MANIFEST_INVALID'

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
