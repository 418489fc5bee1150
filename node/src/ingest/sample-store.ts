/**
 * Stores uploaded samples encrypted (convergent encryption, see crypto/convergent.ts) and reads
 * them back. ingest() resolves only once every block is fsynced and the metadata batch is synced,
 * because its caller acknowledges the upload on that basis.
 *
 * The whole plaintext is buffered (up to maxSampleBytes) before encryption: the convergent key is
 * a hash of all of it and every chunk is sealed under that key. One pass computes sha256, sha1,
 * md5 and the key while buffering; the encryption then runs over the buffered chunks.
 */
import { CID } from 'multiformats/cid'
import { decryptSample, encryptSample, openSample } from '../crypto/convergent.ts'
import { createSampleDigester } from '../crypto/sample-digest.ts'
import { getBlock } from '../ipfs/fs-blockstore.ts'
import { FILE_TYPE_SNIFF_BYTES, detectFileType } from '../scan/file-type.ts'
import { abortable } from './abortable-source.ts'
import { PlaintextChunks } from './plaintext-chunks.ts'
import type { OpenedSample, SampleBlock } from '../crypto/convergent.ts'
import type { SampleRepository } from '../db/sample-repository.ts'
import type { BitswapService } from '../ipfs/bitswap-service.ts'
import type { Hex } from '../../../protocol/src/messages.ts'
import type { Blockstore } from 'interface-blockstore'
import type { Logger } from 'pino'

export interface StoredSample {
  sha256: Hex
  sha1: Hex
  md5: Hex
  size: number
  /** manifest CID, the sample's CID */
  cid: string
  /** 32-byte convergent key; secret, never log it */
  contentKey: Uint8Array
  fileType: string
}

export interface IngestOptions {
  /** file name given by the uploader, kept in the sample's metadata */
  name?: string
  /** a lower limit than the store's for this upload */
  maxBytes?: number
  signal?: AbortSignal
}

export interface SampleStore {
  ingest(source: AsyncIterable<Uint8Array>, options?: IngestOptions): Promise<StoredSample>
  /** Decrypts a sample from local blocks, fetching (and keeping) missing ones by bitswap when configured. */
  readSample(cid: CID | string, contentKey: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array>
  /** The same, chunk by chunk as it is read: for streaming a sample out without holding all of it. */
  openSample(cid: CID | string, contentKey: Uint8Array, options?: { signal?: AbortSignal }): Promise<OpenedSample>
}

export interface SampleStoreOptions {
  blockstore: Blockstore
  samples: SampleRepository
  logger: Logger
  maxSampleBytes: number
  bitswap?: Pick<BitswapService, 'want'>
  now?: () => number
}

export function createSampleStore (options: SampleStoreOptions): SampleStore {
  const { blockstore, samples, logger, maxSampleBytes } = options
  const now = options.now ?? Date.now

  const fetchBlock = async (cid: CID, opts: { signal?: AbortSignal } = {}): Promise<Uint8Array> => {
    try {
      return await getBlock(blockstore, cid, opts)
    } catch (err) {
      if (options.bitswap === undefined || (err as Error).name !== 'NotFoundError') throw err
    }
    const bytes = await options.bitswap.want(cid, opts)
    // members keep the ciphertext they fetched, so they can serve it in turn
    await blockstore.put(cid, bytes, opts)
    return bytes
  }

  return {
    async ingest (source, opts = {}) {
      const started = performance.now()
      const maxBytes = Math.min(opts.maxBytes ?? maxSampleBytes, maxSampleBytes)
      const digester = createSampleDigester()
      const plaintext = new PlaintextChunks(maxBytes)
      for await (const bytes of abortable(source, opts.signal)) {
        plaintext.push(bytes)
        digester.update(bytes)
      }
      const digests = digester.digest()
      const chunks = plaintext.chunks()
      // the type is decided by the leading bytes only, so the first chunk is all it needs
      const fileType = detectFileType((chunks[0] ?? new Uint8Array(0)).subarray(0, FILE_TYPE_SNIFF_BYTES))

      let manifest: SampleBlock | undefined
      const blocks = function * (): Generator<SampleBlock> {
        for (const block of encryptSample(chunks, digests.size, digests.contentKey)) {
          opts.signal?.throwIfAborted()
          manifest = block // the manifest comes last
          yield block
        }
      }
      for await (const cid of blockstore.putMany(blocks(), { signal: opts.signal })) void cid
      if (manifest === undefined) throw new Error('encryption produced no manifest')
      opts.signal?.throwIfAborted()

      const cid = manifest.cid.toString()
      await samples.recordUpload({
        sha256: digests.sha256,
        sha1: digests.sha1,
        md5: digests.md5,
        size: digests.size,
        fileType,
        cid,
        contentKey: `0x${Buffer.from(digests.contentKey).toString('hex')}`,
        name: opts.name,
        seenAt: now()
      })
      logger.info({ sha256: digests.sha256, size: digests.size, cid, fileType, ms: Math.round(performance.now() - started) }, 'sample stored')
      return { sha256: digests.sha256, sha1: digests.sha1, md5: digests.md5, size: digests.size, cid, contentKey: digests.contentKey, fileType }
    },

    async readSample (cid, contentKey, opts = {}) {
      const parsed = typeof cid === 'string' ? CID.parse(cid) : cid
      return decryptSample(parsed, contentKey, fetchBlock, { signal: opts.signal, maxSize: maxSampleBytes })
    },

    async openSample (cid, contentKey, opts = {}) {
      const parsed = typeof cid === 'string' ? CID.parse(cid) : cid
      return await openSample(parsed, contentKey, fetchBlock, { signal: opts.signal, maxSize: maxSampleBytes })
    }
  }
}
