/**
 * Stores uploaded samples encrypted (convergent encryption, see crypto/convergent.ts) and reads
 * them back. ingest() resolves only once every block is fsynced and the metadata batch is synced,
 * because its caller acknowledges the upload on that basis.
 *
 * Memory per ingest is a constant, not the sample's size. The convergent key is a hash of the
 * whole plaintext and seals every chunk, so an ingest takes two passes: the first hashes the upload
 * as it arrives into a spool (upload-spool.ts: a few chunks in memory, the rest in a sealed temp
 * file), the second seals the spooled chunks and writes their blocks a batch at a time
 * (block-writer.ts). A sample already stored whole skips the second pass.
 *
 * The hashing, sealing and spool crypto run on the crypto threads (crypto-pool.ts), so both passes
 * use every core while the event loop only moves bytes. They are spread over the two passes and
 * the threads to keep two cores equally busy in each: the first hashes the sha256 (which names the
 * sample) and the content key (which the second needs) as one stream, on one thread, and md5, the
 * costliest (no hardware help), as another, on the other; sha1 (SHA-NI, a third of md5's cost) is
 * hashed in the second, on the chunks it reads anyway, beside sealing them.
 */
import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { CID } from 'multiformats/cid'
import { decryptSample, openSample } from '../crypto/convergent.ts'
import { createCryptoPool } from '../crypto/crypto-pool.ts'
import { CHUNK_SIZE } from '../crypto/manifest.ts'
import { createParallelDigest } from '../crypto/parallel-digest.ts'
import { CONVERGENT_KEY_DOMAIN } from '../crypto/sample-digest.ts'
import { createKeyLock } from '../db/key-lock.ts'
import { getBlock } from '../ipfs/fs-blockstore.ts'
import { FILE_TYPE_SNIFF_BYTES, detectFileType } from '../scan/file-type.ts'
import { createLimiter } from '../scan/limiter.ts'
import { abortable } from './abortable-source.ts'
import { writeSampleBlocks } from './block-writer.ts'
import { SampleTooLargeError } from './errors.ts'
import { sanitizeFilename } from './filename.ts'
import { holdsSample } from './held-sample.ts'
import { createOfferedBlocks, inlineBlocksOf } from './inline-blocks.ts'
import { collectOrphanBlocks, discardIngest } from './orphan-blocks.ts'
import type { StoredSample } from './stored-sample.ts'
import { storedSampleOf } from './stored-source.ts'
import { clearSpools, createUploadSpool } from './upload-spool.ts'
import type { UploadSpool } from './upload-spool.ts'
import type { OpenedSample } from '../crypto/convergent.ts'
import type { CryptoPool } from '../crypto/crypto-pool.ts'
import type { PendingIngestRepository } from '../db/pending-ingest-repository.ts'
import type { SampleRepository, SampleUpload } from '../db/sample-repository.ts'
import type { BitswapService } from '../ipfs/bitswap-service.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Blockstore } from 'interface-blockstore'
import type { Logger } from 'pino'
import type { Counter } from 'prom-client'
import type { AbortOptions } from '@libp2p/interface'

export interface IngestOptions extends AbortOptions {
  /** file name given by the uploader, kept (sanitised, see filename.ts) in the sample's metadata */
  name?: string
  /** a lower limit than the store's for this upload */
  maxBytes?: number
}

export interface SampleStore {
  /** Starts its own crypto threads (they spawn with the first ingest) and deletes what a crash left behind (spools, blocks of unfinished ingests); call before the first ingest. */
  start(options?: AbortOptions): Promise<void>
  /** Stops its own crypto threads; ingests still running fail. */
  stop(): Promise<void>
  ingest(source: AsyncIterable<Uint8Array>, options?: IngestOptions): Promise<StoredSample>
  /** Decrypts a sample from local blocks, fetching (and keeping) missing ones by bitswap when configured. */
  readSample(cid: CID | string, contentKey: Uint8Array, options?: AbortOptions): Promise<Uint8Array>
  /** The same, chunk by chunk as it is read: for streaming a sample out without holding all of it. */
  openSample(cid: CID | string, contentKey: Uint8Array, options?: AbortOptions): Promise<OpenedSample>
  /** A stored sample's blocks, manifest first, when they are small enough to ride inline with its job (inline-blocks.ts). */
  inlineBlocks(cid: CID | string, options?: AbortOptions): Promise<Uint8Array[] | undefined>
  /** Blocks a job carried inline: a read takes those its CIDs name instead of fetching them, and keeps them as a fetched one. */
  offerBlocks(blocks: readonly Uint8Array[]): void
}

export interface SampleStoreOptions {
  blockstore: Blockstore
  samples: SampleRepository
  pending: PendingIngestRepository
  /** private temp dir for uploads while they are hashed (created by start) */
  spoolDir: string
  logger: Logger
  maxSampleBytes: number
  bitswap?: Pick<BitswapService, 'want'>
  now?: () => number
  /** upload bytes an ingest keeps in memory before spilling to spoolDir (default 4 MiB) */
  spoolMemoryBytes?: number
  /** ingests sealing and writing blocks at once (default 2): the disk is the bottleneck, and each holds a batch */
  concurrentWrites?: number
  /**
   * threads hashing and sealing uploads, when shared with other users (their owner starts and stops
   * them); by default the store runs its own (crypto-pool.ts)
   */
  crypto?: CryptoPool
  /** counts the blocks a read took, by source: local, inline (offered by a job) or fetched (bitswap) */
  blocksRead?: Pick<Counter<'source'>, 'inc'>
}

const hex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString('hex')}`

/** fetched blocks written in the background at once, before a fetch waits for its own write */
const KEEP_AHEAD = 64

export function createSampleStore (options: SampleStoreOptions): SampleStore {
  const { blockstore, samples, pending, spoolDir, logger, maxSampleBytes } = options
  const now = options.now ?? Date.now
  const memoryChunks = Math.ceil((options.spoolMemoryBytes ?? 4 * CHUNK_SIZE) / CHUNK_SIZE)
  const writes = createLimiter(options.concurrentWrites ?? 2)
  const ownCrypto = options.crypto === undefined
  const crypto = options.crypto ?? createCryptoPool()
  // one writer per sample: a concurrent upload of the same bytes waits, then finds them stored
  const lock = createKeyLock()

  /** fetched blocks being written in the background, by CID; read from here until written */
  const keeping = new Map<string, { bytes: Uint8Array, written: Promise<void> }>()

  /**
   * Members keep the ciphertext they fetched, so they can serve it in turn. Nobody was promised that
   * copy (a lost one is fetched again), so the scan does not wait for its fsyncs: under load those
   * cost a member more than a second per job. Past KEEP_AHEAD writes in flight the fetch waits for
   * its own, which bounds the bytes held.
   */
  async function keep (cid: CID, bytes: Uint8Array): Promise<void> {
    const key = cid.toString()
    if (keeping.has(key)) return
    const written = Promise.resolve(blockstore.put(cid, bytes)).then(() => {}, (err: unknown) => { logger.warn({ err, cid: key }, 'keeping a fetched block failed') })
      .finally(() => { keeping.delete(key) })
    keeping.set(key, { bytes, written })
    if (keeping.size > KEEP_AHEAD) await written
  }

  const offered = createOfferedBlocks()

  const read = (source: 'local' | 'inline' | 'fetched', bytes: Uint8Array): Uint8Array => {
    options.blocksRead?.inc({ source })
    return bytes
  }

  const fetchBlock = async (cid: CID, opts: AbortOptions = {}): Promise<Uint8Array> => {
    const kept = keeping.get(cid.toString())
    if (kept !== undefined) return read('local', kept.bytes)
    const inline = offered.take(cid)
    if (inline !== undefined) {
      await keep(cid, inline)
      return read('inline', inline)
    }
    try {
      return read('local', await getBlock(blockstore, cid, opts))
    } catch (err) {
      if (options.bitswap === undefined || (err as Error).name !== 'NotFoundError') throw err
    }
    const bytes = await options.bitswap.want(cid, opts)
    await keep(cid, bytes)
    return read('fetched', bytes)
  }

  /**
   * Writes the sample's blocks unless they are all stored already, then records the upload. Runs
   * under the sample's lock. The sha1 is hashed on the way, or taken from the record of the bytes
   * stored already (the same sha256, the same bytes).
   */
  async function store (spool: UploadSpool, contentKey: Uint8Array, upload: Omit<SampleUpload, 'cid' | 'seenAt' | 'sha1'>, opts: AbortOptions): Promise<Pick<SampleUpload, 'cid' | 'sha1'>> {
    const existing = await samples.get(upload.sha256)
    if (existing !== undefined && await holdsSample(blockstore, CID.parse(existing.cid), opts)) {
      const stored = { cid: existing.cid, sha1: existing.sha1 }
      await samples.recordUpload({ ...upload, ...stored, seenAt: now() })
      return stored
    }
    const ingestId = randomBytes(16).toString('hex')
    const rest = createParallelDigest(crypto, [{ algorithm: 'sha1' }])
    try {
      const cid = await writes.run(async () => await writeSampleBlocks(spool, { ...upload, contentKey }, ingestId, { blockstore, pending, crypto, digest: rest }, opts), opts)
      const [sha1] = await rest.digest(opts) as [Uint8Array]
      opts.signal?.throwIfAborted()
      const stored = { cid: cid.toString(), sha1: hex(sha1) }
      await samples.recordUpload({ ...upload, ...stored, seenAt: now() })
      await pending.clear(ingestId)
      return stored
    } catch (err) {
      // whatever was written goes now; were this to fail, the next start collects it
      const unfinished = await pending.get(ingestId)
      if (unfinished !== undefined) {
        await discardIngest(unfinished, { blockstore, samples, pending }).catch((e: unknown) => { logger.warn({ err: e }, 'discarding an unfinished ingest failed') })
      }
      throw err
    } finally {
      rest.discard()
    }
  }

  return {
    async start (opts = {}) {
      if (ownCrypto) await crypto.start(opts)
      try {
        await mkdir(spoolDir, { recursive: true, mode: 0o700 })
        const spools = await clearSpools(spoolDir)
        const collected = await collectOrphanBlocks({ blockstore, samples, pending }, opts)
        if (spools > 0 || collected.ingests > 0) logger.warn({ spools, ...collected }, 'cleared what unfinished ingests left')
      } catch (err) {
        if (ownCrypto) await crypto.stop()
        throw err
      }
    },

    async stop () {
      await Promise.all([...keeping.values()].map(async (k) => { await k.written }))
      if (ownCrypto) await crypto.stop()
    },

    async ingest (source, opts = {}) {
      const started = performance.now()
      const maxBytes = Math.min(opts.maxBytes ?? maxSampleBytes, maxSampleBytes)
      const known = storedSampleOf(source)
      if (known !== undefined) {
        if (known.size > maxBytes) throw new SampleTooLargeError(maxBytes)
        if (await holdsSample(blockstore, CID.parse(known.cid), opts)) return known
      }
      // two streams, so two threads: the sample's name and key together, md5 alone
      const named = crypto.openDigest([{ algorithm: 'sha256' }, { algorithm: 'sha256', hmacKey: CONVERGENT_KEY_DOMAIN }])
      const md5Digest = crypto.openDigest([{ algorithm: 'md5' }])
      // the hashes read each chunk in the spool's shared memory, before it is sealed over
      const hash = async (chunk: Uint8Array, o?: AbortOptions): Promise<void> => { await Promise.all([named.update(chunk, o), md5Digest.update(chunk, o)]) }
      const spool = createUploadSpool({ dir: spoolDir, maxBytes, memoryChunks, crypto, hash })
      try {
        for await (const bytes of abortable(source, { signal: opts.signal })) await spool.write(bytes, opts)
        await spool.end(opts)
        const [[sha256Bytes, contentKey], [md5Bytes]] = await Promise.all([named.digest(opts), md5Digest.digest(opts)]) as [[Uint8Array, Uint8Array], [Uint8Array]]
        const sha256 = hex(sha256Bytes)
        const md5 = hex(md5Bytes)
        const size = spool.size
        // the type is decided by the leading bytes only
        const fileType = detectFileType(spool.head().subarray(0, FILE_TYPE_SNIFF_BYTES))
        const name = opts.name === undefined ? '' : sanitizeFilename(opts.name)
        const upload = { sha256, md5, size, fileType, contentKey: hex(contentKey), ...(name === '' ? {} : { name }) }
        const { cid, sha1 } = await lock(sha256, async () => await store(spool, contentKey, upload, opts))
        logger.info({ sha256, size, cid, fileType, ms: Math.round(performance.now() - started) }, 'sample stored')
        return { sha256, sha1, md5, size, cid, contentKey, fileType }
      } finally {
        named.drop()
        md5Digest.drop()
        await spool.discard()
      }
    },

    async readSample (cid, contentKey, opts = {}) {
      const parsed = typeof cid === 'string' ? CID.parse(cid) : cid
      return decryptSample(parsed, contentKey, fetchBlock, { signal: opts.signal, maxSize: maxSampleBytes })
    },

    async openSample (cid, contentKey, opts = {}) {
      const parsed = typeof cid === 'string' ? CID.parse(cid) : cid
      return await openSample(parsed, contentKey, fetchBlock, { signal: opts.signal, maxSize: maxSampleBytes })
    },

    async inlineBlocks (cid, opts = {}) {
      return await inlineBlocksOf(blockstore, typeof cid === 'string' ? CID.parse(cid) : cid, opts)
    },

    offerBlocks (blocks) {
      offered.offer(blocks)
    }
  }
}
