export type BlockstoreErrorCode = 'NOT_FOUND' | 'UNSUPPORTED_HASH'

/** `name` follows interface-store's NotFoundError so Helia/bitswap code that checks it keeps working. */
export class BlockNotFoundError extends Error {
  override readonly name = 'NotFoundError'
  readonly code: BlockstoreErrorCode = 'NOT_FOUND'
}

/** Only sha2-256 blocks are stored or fetched. */
export class UnsupportedHashError extends Error {
  override readonly name = 'UnsupportedHashError'
  readonly code: BlockstoreErrorCode = 'UNSUPPORTED_HASH'
}
