/**
 * Convergent encryption of samples: the key is a keyed hash of the plaintext (sample-digest.ts),
 * so the same sample always encrypts to the same blocks and dedupes to one CID, while the
 * ciphertext reveals nothing to whoever lacks the sample or a wrapped key. The cost, inherent to
 * convergent encryption, is that someone who already has a file can confirm that it is stored.
 *
 * Encoding (v1): the plaintext is cut into CHUNK_SIZE chunks, each sealed with ChaCha20-Poly1305
 * (node:crypto) under a STREAM nonce = 7 zero bytes || u32 BE chunk index || last-chunk flag, and
 * AAD = u64 BE plaintext size. A key is only ever used for one plaintext, so the fixed prefix is
 * safe; the index and flag make reordering and truncation fail authentication. Each sealed chunk
 * (ciphertext || 16-byte tag) is a raw block; the JSON manifest block lists them and is the CID.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'
import * as raw from 'multiformats/codecs/raw'
import { DecryptionFailedError } from './errors.ts'
import { CHUNK_SIZE, MANIFEST_VERSION, SAMPLE_CIPHER, chunkCount, checkManifestBlock, checkSampleCid, decodeManifest, encodeManifest, sha256Cid } from './manifest.ts'
import type { SampleManifest } from './manifest.ts'
import type { Cipheriv, Decipheriv } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'

export const TAG_BYTES = 16
const CIPHER = 'chacha20-poly1305'

export interface SampleBlock {
  cid: CID
  bytes: Uint8Array
}

export interface GetBlock {
  (cid: CID, options?: AbortOptions): Promise<Uint8Array>
}

function writeNonce (nonce: Buffer, index: number, last: boolean): Buffer {
  nonce.fill(0, 0, 7)
  nonce.writeUInt32BE(index, 7)
  nonce[11] = last ? 1 : 0
  return nonce
}

function sizeAad (size: number): Buffer {
  const aad = Buffer.alloc(8)
  aad.writeBigUInt64BE(BigInt(size))
  return aad
}

/**
 * Seals chunk `index` of a sample of `size` bytes into `block`: ciphertext || tag, the bytes of its
 * block. `block` may hold the plaintext itself (sealed in place: `chunk` is its first bytes).
 * Stateless (the nonce and AAD follow from the position), so chunks can be sealed in any order and
 * on any thread. Throws RangeError when the chunk's length is not the one its position implies.
 */
export function sealChunkInto (contentKey: Uint8Array, size: number, index: number, chunk: Uint8Array, block: Uint8Array): void {
  const count = chunkCount(size)
  const last = index === count - 1
  if (!Number.isSafeInteger(index) || index < 0 || index >= count || chunk.byteLength !== (last ? size - index * CHUNK_SIZE : CHUNK_SIZE)) {
    throw new RangeError('plaintext chunks do not match the declared size')
  }
  if (block.byteLength !== chunk.byteLength + TAG_BYTES) throw new RangeError('the block must be the chunk and its tag long')
  const cipher = createCipheriv(CIPHER, contentKey, writeNonce(Buffer.alloc(12), index, last), { authTagLength: TAG_BYTES })
  cipher.setAAD(sizeAad(size), { plaintextLength: chunk.byteLength })
  cipherInto(cipher, chunk, block)
  cipher.final()
  block.set(cipher.getAuthTag(), chunk.byteLength)
}

/** sealChunkInto, into a new buffer. */
export function sealChunk (contentKey: Uint8Array, size: number, index: number, chunk: Uint8Array): Buffer {
  const block = Buffer.allocUnsafe(chunk.byteLength + TAG_BYTES)
  sealChunkInto(contentKey, size, index, chunk, block)
  return block
}

/** Bytes fed to a cipher at once by cipherInto. */
const CIPHER_PIECE = 64 * 1024

/**
 * Runs a stream cipher (its output as long as its input) over `input` into `output`, a piece at a
 * time. A whole-chunk update() returns a fresh 1 MiB buffer, whose pages are faulted in one by one
 * and cost more than the cipher; 64 KiB outputs come from malloc's arena, in cache while reused.
 * `output` may share `input`'s memory from the same offset: a piece is read before its output is
 * written over it.
 *
 * Each piece's output is freed as soon as it is copied (detached: transfer(0) releases its memory
 * at once), so the next update() gets the same hot memory back. Left to the garbage collector,
 * tens of MiB of them piled up between collections, malloc gave the freed memory back to the
 * kernel, and the next pile was faulted in page by page: sealing a 64 MiB sample took a few
 * thousand page faults and up to five times the cipher's time.
 */
export function cipherInto (cipher: Cipheriv | Decipheriv, input: Uint8Array, output: Uint8Array): void {
  for (let o = 0; o < input.byteLength; o += CIPHER_PIECE) {
    const piece = cipher.update(input.subarray(o, o + CIPHER_PIECE))
    output.set(piece, o)
    release(piece)
  }
}

/** Frees a buffer's memory now, if the buffer owns all of it (never a slice of a shared pool). */
function release (buffer: Buffer): void {
  const memory = buffer.buffer
  if (memory instanceof ArrayBuffer && buffer.byteOffset === 0 && memory.byteLength === buffer.byteLength && !memory.detached) memory.transfer(0)
}

/** The manifest block of a sample whose chunks were sealed to `chunks`; its CID is the sample's CID. */
export function manifestBlock (size: number, chunks: CID[]): SampleBlock {
  if (chunks.length !== chunkCount(size)) throw new RangeError('plaintext chunks do not match the declared size')
  return encodeManifest({ version: MANIFEST_VERSION, cipher: SAMPLE_CIPHER, chunkSize: CHUNK_SIZE, size, chunks })
}

export interface SampleSealer {
  /** seals the next chunk: CHUNK_SIZE bytes, except the last (an empty sample's one chunk is empty) */
  seal(chunk: Uint8Array): SampleBlock
  /** the manifest block, once every chunk is sealed; its CID is the sample's CID */
  finish(): SampleBlock
}

/**
 * Seals a sample of `size` bytes chunk by chunk, in order, on this thread. Throws RangeError when
 * the chunks do not add up.
 */
export function createSampleSealer (size: number, contentKey: Uint8Array): SampleSealer {
  const cids: CID[] = []
  return {
    seal (chunk) {
      const bytes = sealChunk(contentKey, size, cids.length, chunk)
      const cid = sha256Cid(raw.code, bytes)
      cids.push(cid)
      return { cid, bytes }
    },
    finish: () => manifestBlock(size, cids)
  }
}

/**
 * Seals plaintext chunks and yields their blocks, then the manifest block last (its CID is the
 * sample's CID). `chunks` must be CHUNK_SIZE each except the last; `size` is their total. Lazy, so
 * a caller can write each block before the next is sealed.
 */
export function * encryptSample (chunks: Iterable<Uint8Array>, size: number, contentKey: Uint8Array): Generator<SampleBlock, void, undefined> {
  const sealer = createSampleSealer(size, contentKey)
  let any = false
  for (const chunk of chunks) {
    any = true
    yield sealer.seal(chunk)
  }
  // an empty sample arrives as no chunks at all; it still gets its one sealed, final, empty chunk
  if (!any && size === 0) yield sealer.seal(new Uint8Array(0))
  yield sealer.finish()
}

/** Opens one sealed chunk; throws DecryptionFailedError unless it authenticates at this position. */
export function decryptChunk (sealed: Uint8Array, index: number, manifest: SampleManifest, contentKey: Uint8Array): Buffer {
  const count = manifest.chunks.length
  const last = index === count - 1
  const expected = (last ? manifest.size - index * CHUNK_SIZE : CHUNK_SIZE)
  if (sealed.byteLength !== expected + TAG_BYTES) throw new DecryptionFailedError(`chunk ${index} has the wrong length`)
  const decipher = createDecipheriv(CIPHER, contentKey, writeNonce(Buffer.alloc(12), index, last), { authTagLength: TAG_BYTES })
  decipher.setAAD(sizeAad(manifest.size), { plaintextLength: expected })
  decipher.setAuthTag(sealed.subarray(expected))
  const plain = decipher.update(sealed.subarray(0, expected))
  try {
    decipher.final()
  } catch {
    throw new DecryptionFailedError(`chunk ${index} failed authentication`)
  }
  return plain
}

/** How many chunk fetches run ahead of decryption (bitswap round trips dominate remote reads). */
const PREFETCH = 8

export interface OpenedSample {
  /** plaintext size, from the authenticated manifest */
  size: number
  /**
   * The plaintext chunk by chunk, each authenticated at its position before it is yielded; a
   * truncated, reordered or altered sample throws at the first bad chunk (STREAM construction), so
   * a consumer that forwards chunks must treat a throw as "everything sent so far is void".
   */
  chunks: AsyncGenerator<Uint8Array, void, undefined>
}

/**
 * Fetches and checks a sample's manifest, then decrypts its chunks as they are read, a few
 * fetches ahead: memory stays at PREFETCH chunks whatever the sample's size.
 */
export async function openSample (cid: CID, contentKey: Uint8Array, getBlock: GetBlock, options: AbortOptions & { maxSize?: number } = {}): Promise<OpenedSample> {
  if (contentKey.byteLength !== 32) throw new DecryptionFailedError('content key must be 32 bytes')
  checkSampleCid(cid)
  const manifestBytes = await getBlock(cid, { signal: options.signal })
  checkManifestBlock(cid, manifestBytes)
  const manifest = decodeManifest(manifestBytes, { maxSize: options.maxSize })
  async function * chunks (): AsyncGenerator<Uint8Array, void, undefined> {
    const fetches: Array<Promise<Uint8Array>> = []
    const start = (i: number): void => {
      const chunkCid = manifest.chunks[i]
      if (chunkCid === undefined) return
      const p = getBlock(chunkCid, { signal: options.signal })
      // observed later by the loop; this keeps an early failure (or an early stop) from leaving later ones unhandled
      p.catch(() => {})
      fetches[i] = p
    }
    for (let i = 0; i < Math.min(PREFETCH, manifest.chunks.length); i++) start(i)
    for (let i = 0; i < manifest.chunks.length; i++) {
      const sealed = await (fetches[i] as Promise<Uint8Array>)
      delete fetches[i]
      start(i + PREFETCH)
      options.signal?.throwIfAborted()
      yield decryptChunk(sealed, i, manifest, contentKey)
    }
  }
  return { size: manifest.size, chunks: chunks() }
}

/**
 * Fetches and decrypts a whole sample. Every chunk is authenticated at its position, and the
 * plaintext length must equal the manifest's size, before any byte is returned.
 */
export async function decryptSample (cid: CID, contentKey: Uint8Array, getBlock: GetBlock, options: AbortOptions & { maxSize?: number } = {}): Promise<Uint8Array> {
  const opened = await openSample(cid, contentKey, getBlock, options)
  const out = new Uint8Array(opened.size)
  let offset = 0
  for await (const chunk of opened.chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
