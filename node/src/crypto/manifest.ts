import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { ManifestInvalidError, SampleTooLargeError } from './errors.ts'

export const MANIFEST_VERSION = 1
export const SAMPLE_CIPHER = 'chacha20-poly1305-stream'
/** Fixed in v1: the chunking is part of the convergent encoding, so it must not vary by node. */
export const CHUNK_SIZE = 1024 * 1024
/** sha2-256 multihash code */
export const SHA2_256 = 0x12
/** Generous bound: a 4 GiB sample has 4096 chunk CIDs of ~60 bytes each. */
export const MAX_MANIFEST_BYTES = 512 * 1024

export interface SampleManifest {
  version: typeof MANIFEST_VERSION
  cipher: typeof SAMPLE_CIPHER
  chunkSize: number
  /** plaintext size in bytes */
  size: number
  /** CIDs (v1, raw, sha2-256) of the ciphertext chunks, in order */
  chunks: CID[]
}

const MANIFEST_KEYS = ['chunkSize', 'chunks', 'cipher', 'size', 'version'].join(',')

/** An empty sample still has one (final, empty) chunk, so every sample is authenticated. */
export function chunkCount (size: number): number {
  return Math.max(1, Math.ceil(size / CHUNK_SIZE))
}

export function sha256Cid (code: number, bytes: Uint8Array): CID {
  const digest = createHash('sha256').update(bytes).digest()
  return CID.createV1(code, Digest.create(SHA2_256, digest))
}

export function encodeManifest (manifest: SampleManifest): { cid: CID, bytes: Uint8Array } {
  const bytes = json.encode({
    version: manifest.version,
    cipher: manifest.cipher,
    chunkSize: manifest.chunkSize,
    size: manifest.size,
    chunks: manifest.chunks.map(cid => cid.toString())
  })
  return { cid: sha256Cid(json.code, bytes), bytes }
}

/** Strict decode: exact keys and types, chunk count consistent with the size, raw sha2-256 CIDs. */
export function decodeManifest (bytes: Uint8Array, options: { maxSize?: number } = {}): SampleManifest {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) throw new ManifestInvalidError('manifest too large')
  let value: unknown
  try {
    value = json.decode(bytes)
  } catch {
    throw new ManifestInvalidError('manifest is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ManifestInvalidError('manifest is not an object')
  const m = value as Record<string, unknown>
  if (Object.keys(m).toSorted().join(',') !== MANIFEST_KEYS) throw new ManifestInvalidError('manifest keys')
  if (m.version !== MANIFEST_VERSION) throw new ManifestInvalidError('manifest version')
  if (m.cipher !== SAMPLE_CIPHER) throw new ManifestInvalidError('manifest cipher')
  if (m.chunkSize !== CHUNK_SIZE) throw new ManifestInvalidError('manifest chunk size')
  const size = m.size
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new ManifestInvalidError('manifest size')
  if (options.maxSize !== undefined && size > options.maxSize) throw new SampleTooLargeError(`the manifest declares ${size} bytes, above the limit of ${options.maxSize}`)
  if (!Array.isArray(m.chunks) || m.chunks.length !== chunkCount(size)) throw new ManifestInvalidError('manifest chunk count')
  const chunks = m.chunks.map((s: unknown) => parseChunkCid(s))
  return { version: MANIFEST_VERSION, cipher: SAMPLE_CIPHER, chunkSize: CHUNK_SIZE, size, chunks }
}

function parseChunkCid (value: unknown): CID {
  if (typeof value !== 'string' || value.length > 128) throw new ManifestInvalidError('manifest chunk CID')
  let cid: CID
  try {
    cid = CID.parse(value)
  } catch {
    throw new ManifestInvalidError('manifest chunk CID')
  }
  if (cid.version !== 1 || cid.code !== raw.code || cid.multihash.code !== SHA2_256 || cid.multihash.size !== 32) {
    throw new ManifestInvalidError('manifest chunk CID must be v1 raw sha2-256')
  }
  return cid
}

/** The manifest CID is the sample's CID: check it is ours (v1, json, sha2-256) and matches the bytes. */
export function checkSampleCid (cid: CID): void {
  if (cid.version !== 1 || cid.code !== json.code || cid.multihash.code !== SHA2_256) {
    throw new ManifestInvalidError('sample CID must be v1 json sha2-256')
  }
}

export function checkManifestBlock (cid: CID, bytes: Uint8Array): void {
  checkSampleCid(cid)
  if (!sha256Cid(json.code, bytes).equals(cid)) throw new ManifestInvalidError('manifest bytes do not match the CID')
}
