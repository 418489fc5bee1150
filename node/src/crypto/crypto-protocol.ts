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

/**
 * A place in an open file, for a thread to read or write synchronously: a temp file's I/O then
 * never waits in libuv's threadpool (4 threads) behind the fsyncs of block writes.
 */
export interface FileAt {
  fd: number
  position: number
}

export type CryptoOp =
  /** starts a digest stream in this thread; updates follow in order on the same port */
  | { op: 'digest-open', stream: number, hashes: HashSpec[] }
  | { op: 'digest-update', stream: number, bytes: Uint8Array }
  /** replies with one digest per hash, and forgets the stream */
  | { op: 'digest-final', stream: number }
  /** forgets a stream that will not be finished */
  | { op: 'digest-drop', stream: number }
  /** seals one sample chunk in place (convergent.ts sealChunkInto): `block` holds the plaintext and room for the tag; replies the block's sha256, for its CID */
  | { op: 'seal-chunk', contentKey: Uint8Array, size: number, index: number, block: Uint8Array }
  /** seals `plaintext` (shared memory, left as it is) and writes ciphertext || tag at `file` */
  | { op: 'gcm-seal', gcm: GcmParams, plaintext: Uint8Array, file: FileAt }
  /**
   * reads `sealed` from `file` if given, then opens it into `plaintext` (16 bytes shorter; may be the
   * same memory); replies whether it was all there and authenticated, zeroing `plaintext` when not
   */
  | { op: 'gcm-open', gcm: GcmParams, sealed: Uint8Array, plaintext: Uint8Array, file?: FileAt }

export type CryptoRequest = CryptoOp & { id: number }

/** nothing (digest open, update, drop; gcm-seal), the digests (digest final), a block's sha256 (seal-chunk), or whether gcm-open authenticated */
export type CryptoResult = undefined | Uint8Array[] | Uint8Array | boolean

export type CryptoReply =
  | { type: 'ready' }
  | { type: 'result', id: number, result: CryptoResult }
  | { type: 'error', id: number, error: Error }
