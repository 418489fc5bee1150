/**
 * An epoch's feed as a member delivers it (SPEC 18, feeds): built once the epoch is final here (anchored,
 * its root matched to its proposal, every listed report held), from those reports alone, so every member
 * builds the same bytes; encrypted as a sample is, under the convergent key of the feed's bytes, so every
 * member stores the same blocks under one CID, which any node then serves to the buyer. What the delivery
 * wraps is that key, bound to the feed's sha256.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { epochFeed, feedDigest } from '#protocol/feed/index.ts'
import type { Hex, Report } from '#protocol/messages.ts'
import { CHUNK_SIZE, deriveContentKey, encryptSample } from '../crypto/index.ts'
import type { AnchorRepository } from '../db/anchor-repository.ts'
import type { ReportRepository } from '../db/report-repository.ts'

/** What a delivery needs of a feed: what a sample record gives of a sample. */
export interface FeedContent {
  epoch: number
  /** the feed's sha256 */
  sha256: Hex
  /** its manifest CID */
  cid: string
  /** secret: the convergent key of the feed's bytes */
  contentKey: Hex
  size: number
}

export interface FeedSourceComponents {
  anchors: Pick<AnchorRepository, 'epoch'>
  reports: Pick<ReportRepository, 'get'>
  /** where the feed's encrypted blocks go (the blockstore the blocks route and bitswap serve) */
  blocks: { put(cid: CID, bytes: Uint8Array, options?: AbortOptions): unknown }
}

export interface FeedSource {
  /** the epoch's feed, its blocks stored; undefined while the epoch is not final here */
  feed(epoch: number, options?: AbortOptions): Promise<FeedContent | undefined>
}

// feeds built lately, by epoch: orders for one epoch come together; a restart rebuilds the same bytes
const KEPT_FEEDS = 64

function chunksOf (bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let at = 0; at < bytes.byteLength; at += CHUNK_SIZE) out.push(bytes.subarray(at, at + CHUNK_SIZE))
  return out
}

export function createFeedSource (c: FeedSourceComponents): FeedSource {
  const built = new Map<string, FeedContent>()

  async function finalReports (jobIds: readonly Hex[], options: AbortOptions): Promise<Report[] | undefined> {
    const reports: Report[] = []
    for (const jobId of jobIds) {
      options.signal?.throwIfAborted()
      const report = await c.reports.get(jobId)
      if (report === undefined) return undefined
      reports.push(report)
    }
    return reports
  }

  return {
    async feed (epoch, options = {}) {
      const anchored = await c.anchors.epoch(epoch)
      if (anchored?.jobIds === undefined || (anchored.missing?.length ?? 0) > 0) return undefined
      // by root too: an anchor a reorg took back and another root posted for the epoch is another feed
      const memo = `${epoch}/${anchored.root}`
      const kept = built.get(memo)
      if (kept !== undefined) return kept
      const reports = await finalReports(anchored.jobIds, options)
      if (reports === undefined) return undefined
      const feed = epochFeed(reports, epoch)
      const key = deriveContentKey(feed)
      let cid: CID | undefined
      try {
        for (const block of encryptSample(chunksOf(feed), feed.byteLength, key)) {
          options.signal?.throwIfAborted()
          await c.blocks.put(block.cid, block.bytes, options)
          cid = block.cid
        }
        if (cid === undefined) throw new Error('the feed encrypted to no manifest')
        const content: FeedContent = { epoch, sha256: feedDigest(feed), cid: cid.toString(), contentKey: `0x${bytesToHex(key)}`, size: feed.byteLength }
        built.set(memo, content)
        if (built.size > KEPT_FEEDS) built.delete(built.keys().next().value as string)
        return content
      } finally {
        key.fill(0)
      }
    }
  }
}
