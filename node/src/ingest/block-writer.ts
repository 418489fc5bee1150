import { createSampleSealer } from '../crypto/convergent.ts'
import type { SampleBlock } from '../crypto/convergent.ts'
import type { PendingIngestRepository } from '../db/pending-ingest-repository.ts'
import type { Hex } from '../../../protocol/src/messages.ts'
import type { UploadSpool } from './upload-spool.ts'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/**
 * Blocks named by one pending record: a synced database write per batch, and the most sealed
 * chunks an ingest holds beyond the blockstore's writes in flight.
 */
export const WRITE_BATCH_CHUNKS = 8

export interface SealedSample {
  sha256: Hex
  size: number
  contentKey: Uint8Array
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
  deps: { blockstore: Blockstore, pending: PendingIngestRepository },
  options: { signal?: AbortSignal } = {}
): Promise<CID> {
  const sealer = createSampleSealer(sample.size, sample.contentKey)
  let manifest: CID | undefined
  let batch = 0
  async function * record (batchBlocks: SampleBlock[]): AsyncGenerator<SampleBlock> {
    await deps.pending.add(ingestId, batch++, { sha256: sample.sha256, cids: batchBlocks.map(b => b.cid.toString()) })
    options.signal?.throwIfAborted()
    yield * batchBlocks
  }
  async function * blocks (): AsyncGenerator<SampleBlock> {
    let sealed: SampleBlock[] = []
    for await (const chunk of spool.chunks(options)) {
      sealed.push(sealer.seal(chunk))
      if (sealed.length < WRITE_BATCH_CHUNKS) continue
      const full = sealed
      sealed = []
      yield * record(full)
    }
    const last = sealer.finish()
    manifest = last.cid
    yield * record([...sealed, last])
  }
  for await (const cid of deps.blockstore.putMany(blocks(), options)) void cid
  if (manifest === undefined) throw new Error('the sealer produced no manifest')
  return manifest
}
