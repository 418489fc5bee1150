import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { manifestBlock } from '../crypto/convergent.ts'
import { CHUNK_SIZE, SHA2_256 } from '../crypto/manifest.ts'
import { createSharedBufferRing } from '../crypto/shared-buffers.ts'
import { BlockWriteFailedError } from './errors.ts'
import type { SampleBlock } from '../crypto/convergent.ts'
import type { CryptoPool } from '../crypto/crypto-pool.ts'
import type { PendingIngestRepository } from '../db/pending-ingest-repository.ts'
import type { Hex } from '../../../protocol/src/messages.ts'
import type { UploadSpool } from './upload-spool.ts'
import type { Blockstore } from 'interface-blockstore'

/**
 * Blocks named by one pending record: a synced database write per batch, and the most sealed
 * chunks an ingest holds beyond those being sealed and the blockstore's writes in flight.
 */
export const WRITE_BATCH_CHUNKS = 8

export interface SealedSample {
  sha256: Hex
  size: number
  contentKey: Uint8Array
}

export interface BlockWriterDeps {
  blockstore: Blockstore
  pending: PendingIngestRepository
  crypto: CryptoPool
}

/**
 * Seals the spooled plaintext and writes its blocks durably, returning the manifest CID once every
 * block and directory entry is on disk. Each batch is recorded as pending (synced) before any of
 * its blocks is written, so a crash at any point leaves nothing collectOrphanBlocks cannot find;
 * the caller clears the record once the sample's metadata is written, or discards the ingest.
 */
export async function writeSampleBlocks (
  spool: UploadSpool,
  sample: SealedSample,
  ingestId: string,
  deps: BlockWriterDeps,
  options: { signal?: AbortSignal } = {}
): Promise<CID> {
  // chunks are sealed this far ahead of the writes, so no crypto thread waits on the disk
  const sealAhead = 2 * deps.crypto.threads
  const cids: CID[] = []
  let manifest: CID | undefined
  let batch = 0

  async function * sealed (): AsyncGenerator<SampleBlock> {
    const ring = createSharedBufferRing(sealAhead, CHUNK_SIZE)
    const ahead: Array<Promise<SampleBlock>> = []
    let index = 0
    for await (const chunk of spool.chunks(options)) {
      const shared = await ring.take(options)
      shared.set(chunk)
      const block = deps.crypto.sealChunk(sample.contentKey, sample.size, index++, shared.subarray(0, chunk.byteLength), options)
        .then(({ bytes, sha256 }) => ({ cid: CID.createV1(raw.code, Digest.create(SHA2_256, sha256)), bytes }))
      ring.lend(shared, block)
      ahead.push(block)
      if (ahead.length >= sealAhead) yield await (ahead.shift() as Promise<SampleBlock>)
    }
    for (const block of ahead) yield await block
  }

  async function * record (batchBlocks: SampleBlock[]): AsyncGenerator<SampleBlock> {
    await deps.pending.add(ingestId, batch++, { sha256: sample.sha256, cids: batchBlocks.map(b => b.cid.toString()) })
    options.signal?.throwIfAborted()
    yield * batchBlocks
  }

  let failedHere: { err: unknown } | undefined
  async function * blocks (): AsyncGenerator<SampleBlock> {
    try {
      let full: SampleBlock[] = []
      for await (const block of sealed()) {
        cids.push(block.cid)
        full.push(block)
        if (full.length < WRITE_BATCH_CHUNKS) continue
        const ready = full
        full = []
        yield * record(ready)
      }
      const last = manifestBlock(sample.size, cids)
      manifest = last.cid
      yield * record([...full, last])
    } catch (err) {
      failedHere = { err }
      throw err
    }
  }

  try {
    for await (const cid of deps.blockstore.putMany(blocks(), options)) void cid
  } catch (err) {
    // what failed before the blockstore (the spool, sealing, the pending record) or an abort keeps its own error
    if (err === failedHere?.err || options.signal?.aborted === true) throw err
    const errno = (err as NodeJS.ErrnoException | undefined)?.code
    throw new BlockWriteFailedError(`writing the sample's blocks failed${typeof errno === 'string' ? ` (${errno})` : ''}`, { cause: err })
  }
  if (manifest === undefined) throw new Error('the sealer produced no manifest')
  return manifest
}
