import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { TAG_BYTES, manifestBlock } from '../crypto/convergent.ts'
import { SHA2_256 } from '../crypto/manifest.ts'
import { BlockWriteFailedError } from './errors.ts'
import type { CryptoPool } from '../crypto/crypto-pool.ts'
import type { ParallelDigest } from '../crypto/parallel-digest.ts'
import type { PendingIngestRepository } from '../db/pending-ingest-repository.ts'
import type { Hex } from '#protocol/messages.ts'
import type { UploadSpool } from './upload-spool.ts'
import type { DurablePutOptions } from '../ipfs/fs-blockstore.ts'
import type { AbortOptions } from '@libp2p/interface'

/** Blocks named by one pending record (a synced database write each), so sealed before any is renamed into place. */
export const WRITE_BATCH_CHUNKS = 8
/** blocks (and records) in flight: sealed, written and not yet synced or renamed */
const MAX_RUNNING = 8 * WRITE_BATCH_CHUNKS

export interface SealedSample {
  sha256: Hex
  size: number
  contentKey: Uint8Array
}

export interface BlockWriterDeps {
  /** puts as the durable blockstore (fs-blockstore.ts) makes them: a block is renamed into place only once `renameAfter` resolves */
  blockstore: { put: (cid: CID, bytes: Uint8Array, options: DurablePutOptions) => Promise<CID> | CID }
  pending: PendingIngestRepository
  crypto: CryptoPool
  /** also fed the plaintext, in order, each chunk before it is sealed over */
  digest: ParallelDigest
}

function writeFailed (err: unknown): BlockWriteFailedError {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code
  return new BlockWriteFailedError(`writing the sample's blocks failed${typeof errno === 'string' ? ` (${errno})` : ''}`, { cause: err })
}

/**
 * Seals the spooled plaintext and writes its blocks durably, returning the manifest CID once every
 * block and directory entry is on disk. Each batch is recorded as pending (synced) before any of
 * its blocks is renamed into place, so a crash at any point leaves nothing collectOrphanBlocks
 * cannot find (before the rename a block is a temp file, which the blockstore deletes when it
 * opens); the caller clears the record once the sample's metadata is written, or discards the ingest.
 *
 * A chunk is read from the spool straight into a shared slot, hashed there by the digest, sealed
 * there in place by a crypto thread and written from there, one put per block, so no block is
 * allocated or copied. Nothing waits for anything it does not need: a block is written and
 * fsynced as soon as it is sealed, while its batch is recorded, and its slot is reused once the
 * kernel holds its bytes, so sealing runs on while the disk syncs (fsyncs, not the CPU, set the
 * pace when each slot waited for them). MAX_RUNNING bounds the blocks written and not yet done.
 * A put that fails rejects with BLOCK_WRITE_FAILED, once every other put still running has ended.
 */
export async function writeSampleBlocks (
  spool: UploadSpool,
  sample: SealedSample,
  ingestId: string,
  deps: BlockWriterDeps,
  options: AbortOptions = {}
): Promise<CID> {
  const slots = deps.crypto.slots(4 * WRITE_BATCH_CHUNKS)
  /** what is still running: each chunk's life (sealed, recorded, written) and each record */
  const running = new Set<Promise<void>>()
  const cids: Array<Promise<CID>> = []
  let batch = 0
  /** opens once the batch being gathered is recorded as pending */
  let gate = Promise.withResolvers<void>()
  gate.promise.catch(() => {})

  const track = (work: Promise<void>): Promise<void> => {
    running.add(work)
    work.then(() => { running.delete(work) }, () => {})
    return work
  }

  /** Writes and syncs a block at once; it is renamed into place only once `recorded` (its batch's record) is on disk. */
  const put = async (cid: CID, bytes: Uint8Array, recorded: Promise<void>, onWritten?: () => void): Promise<void> => {
    try {
      await deps.blockstore.put(cid, bytes, { ...options, renameAfter: recorded, onWritten })
    } catch (err) {
      // a record that failed is the cause, not the write that waited for it
      await recorded
      throw options.signal?.aborted === true ? err : writeFailed(err)
    }
  }

  /** Records a batch's blocks (and `extra`) as pending, then opens the gate their writes wait at. */
  const record = (blocks: Array<Promise<CID>>, extra: CID[] = []): Promise<void> => {
    const opens = gate
    gate = Promise.withResolvers<void>()
    gate.promise.catch(() => {})
    const n = batch++
    const recording = (async () => {
      const named = [...await Promise.all(blocks), ...extra]
      await deps.pending.add(ingestId, n, { sha256: sample.sha256, cids: named.map(c => c.toString()) })
      options.signal?.throwIfAborted()
    })()
    recording.then(opens.resolve, opens.reject)
    return track(recording)
  }

  try {
    let gathered: Array<Promise<CID>> = []
    for await (const chunk of spool.chunks(slots, options)) {
      // the chunk is the start of its slot, which has room for the tag after it
      const block = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength + TAG_BYTES)
      const index = cids.length
      // sealed in place, so only once the digest has read the plaintext
      const hashed = deps.digest.updateShared(block.subarray(0, chunk.byteLength), options)
      const cid = hashed.then(async () => await deps.crypto.sealChunk(sample.contentKey, sample.size, index, block, options))
        .then(sha256 => CID.createV1(raw.code, Digest.create(SHA2_256, sha256)))
      cid.catch(() => {})
      cids.push(cid)
      gathered.push(cid)
      const recorded = gate.promise
      const written = Promise.withResolvers<void>()
      const stored = track(cid.then(async sealed => { await put(sealed, block, recorded, written.resolve) }))
      // the slot is free again once the kernel holds its bytes (or the block failed), not once they are synced
      slots.lend(block, Promise.race([written.promise, stored]))
      // blocks written but not yet synced and renamed are bounded too, so sealing stays within reach of the disk
      while (running.size >= MAX_RUNNING) await Promise.race(running)
      if (gathered.length < WRITE_BATCH_CHUNKS) continue
      void record(gathered)
      gathered = []
    }
    const manifest = manifestBlock(sample.size, await Promise.all(cids))
    const recorded = gate.promise
    void record(gathered, [manifest.cid])
    void track(put(manifest.cid, manifest.bytes, recorded))
    // every block and its directory entry is on disk once everything has settled
    while (running.size > 0) await Promise.all(running)
    return manifest.cid
  } catch (err) {
    gate.reject(err)
    // no write is left running behind the caller, who discards what was written
    await Promise.allSettled(running)
    throw err
  } finally {
    await slots.release()
  }
}
