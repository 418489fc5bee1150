/** Messages between the crypto pool (crypto-pool.ts) and its worker threads (crypto-worker.ts). */

export type HashAlgorithm = 'sha256' | 'sha1' | 'md5'

/** A plain hash, or an HMAC when `hmacKey` is set. */
export interface HashSpec {
  algorithm: HashAlgorithm
  hmacKey?: string
}

/** AES-256-GCM with a 16-byte tag: `sealed` is ciphertext || tag. */
export interface GcmParams {
  key: Uint8Array
  nonce: Uint8Array
}

export type CryptoOp =
  /** starts a digest stream in this thread; updates follow in order on the same port */
  | { op: 'digest-open', stream: number, hashes: HashSpec[] }
  | { op: 'digest-update', stream: number, bytes: Uint8Array }
  /** replies with one digest per hash, and forgets the stream */
  | { op: 'digest-final', stream: number }
  /** forgets a stream that will not be finished */
  | { op: 'digest-drop', stream: number }
  /** seals one sample chunk (convergent.ts sealChunk) and hashes the block for its CID */
  | { op: 'seal-chunk', contentKey: Uint8Array, size: number, index: number, chunk: Uint8Array }
  /** seals `plaintext` into `sealed` (16 bytes longer), both shared memory */
  | { op: 'gcm-seal', gcm: GcmParams, plaintext: Uint8Array, sealed: Uint8Array }
  /** opens `sealed` into `plaintext` (16 bytes shorter), written only once it authenticates; replies whether it did */
  | { op: 'gcm-open', gcm: GcmParams, sealed: Uint8Array, plaintext: Uint8Array }

export type CryptoRequest = CryptoOp & { id: number }

export interface SealedChunk {
  /** the block: ciphertext || tag */
  bytes: Uint8Array
  /** sha2-256 of `bytes` */
  sha256: Uint8Array
}

/** nothing (digest open, update, drop; gcm-seal), the digests (final), the sealed chunk, or whether gcm-open authenticated */
export type CryptoResult = undefined | Uint8Array[] | SealedChunk | boolean

export type CryptoReply =
  | { type: 'ready' }
  | { type: 'result', id: number, result: CryptoResult }
  | { type: 'error', id: number, error: Error }
