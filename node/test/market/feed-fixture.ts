// What a member holds to deliver an epoch feed (SPEC 18, feeds), for the market and buy tests: the feed
// vector's reports stored and their epoch recorded anchored with its jobs (as the anchor service records
// it once the root is matched), and an in-memory blockstore for the feed's encrypted blocks.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import { AnchorRepository } from '../../src/db/anchor-repository.ts'
import type { Database } from '../../src/db/index.ts'
import { ReportRepository } from '../../src/db/report-repository.ts'

export const FEED_VECTOR = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'protocol', 'test', 'vectors', 'feed.json'), 'utf8')) as { epoch: number, reports: Report[], feed: string, sha256: Hex }

export function memoryBlocks (): { put(cid: CID, bytes: Uint8Array): void, get(cid: CID): Uint8Array | undefined, has(cid: CID): boolean, delete(cid: CID): void, size: number } {
  const held = new Map<string, Uint8Array>()
  return {
    put (cid, bytes) { held.set(cid.toString(), bytes) },
    get: (cid) => held.get(cid.toString()),
    has: (cid) => held.has(cid.toString()),
    delete (cid) { held.delete(cid.toString()) },
    get size () { return held.size }
  }
}

/**
 * Records FEED_VECTOR's epoch anchored in `db`, holding its reports but `lacking` (job ids listed as missing);
 * `listed` replaces the anchored jobs (a member that took another list for the epoch's); `epoch` the vector's.
 */
export async function holdEpoch (db: Database, lacking: readonly Hex[] = [], listed?: readonly Hex[], epoch = FEED_VECTOR.epoch): Promise<void> {
  const anchors = new AnchorRepository(db)
  const reports = new ReportRepository(db)
  for (const r of FEED_VECTOR.reports) if (!lacking.includes(r.jobId)) await reports.put(r)
  const jobIds = (listed ?? FEED_VECTOR.reports.map((r) => r.jobId)).toSorted()
  await anchors.recordAnchored({ epoch, root: `0x${'ab'.repeat(32)}`, leafCount: jobIds.length, block: 1, tx: `0x${'cd'.repeat(32)}`, submitter: `0x${'ef'.repeat(20)}` })
  await anchors.assignJobs(epoch, jobIds, [], lacking)
}
