import { CID } from 'multiformats/cid'
import type { PendingIngest, PendingIngestRepository } from '../db/pending-ingest-repository.ts'
import type { SampleRepository } from '../db/sample-repository.ts'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from '@libp2p/interface'

export interface OrphanDeps {
  blockstore: Blockstore
  samples: Pick<SampleRepository, 'get'>
  pending: PendingIngestRepository
}

/**
 * Deletes the blocks an unfinished ingest wrote, then forgets it. Blocks are kept when the sample
 * is recorded: convergent encryption gives the same bytes the same blocks, and no other sample's
 * (every chunk is sealed under a key derived from the whole plaintext), so a recorded sample with
 * this sha256 is exactly the one that references them. Returns how many blocks were deleted.
 */
export async function discardIngest (ingest: PendingIngest, deps: OrphanDeps): Promise<number> {
  let deleted = 0
  if (await deps.samples.get(ingest.sha256) === undefined) {
    for (const cid of ingest.cids.map(c => CID.parse(c))) {
      // the record precedes the writes: some of its blocks may never have been written
      if (!await deps.blockstore.has(cid)) continue
      await deps.blockstore.delete(cid)
      deleted++
    }
  }
  await deps.pending.clear(ingest.ingestId)
  return deleted
}

/**
 * Run at start, before any ingest: every ingest still pending was cut short (a crash or a kill
 * between its first block and its sample record), so its blocks are garbage unless referenced.
 */
export async function collectOrphanBlocks (deps: OrphanDeps, options: AbortOptions = {}): Promise<{ ingests: number, blocks: number }> {
  let ingests = 0
  let blocks = 0
  for await (const ingest of deps.pending.list(options)) {
    blocks += await discardIngest(ingest, deps)
    ingests++
  }
  return { ingests, blocks }
}
