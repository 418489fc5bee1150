/**
 * An epoch's feed as a member delivers it (SPEC 18, feeds): built once the epoch is final here (anchored,
 * its root matched to its proposal, every listed report held), from those reports alone, so every member
 * builds the same bytes; encrypted as a sample is, under the convergent key of the feed's bytes, so every
 * member stores the same blocks under one CID, which any node then serves to the buyer. What the delivery
 * wraps is that key, bound to the feed's sha256.
 *
 * A feed's blocks are recorded (feed-blocks/) before they are written, and kept `retentionMs` after the feed
 * was last built or delivered: past any order's delivery window, so a buyer still fetching them finds them.
 * Then they are collected, unless a live feed has the same manifest (an empty feed is the same bytes in every
 * epoch) or a sample was stored with the same bytes (convergent encryption: the same blocks). An order for an
 * epoch collected later builds the same bytes again, so nothing sold is lost.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import type { AbortOptions, Startable } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { epochFeed, feedDigest } from '#protocol/feed/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import { pollUntilAborted } from '../chain/poll-until-aborted.ts'
import { CHUNK_SIZE, deriveContentKey, encryptSample } from '../crypto/index.ts'
import type { AnchorRepository } from '../db/anchor-repository.ts'
import type { FeedBlockRepository, StoredFeedBlocks } from '../db/feed-block-repository.ts'
import { createKeyLock } from '../db/key-lock.ts'
import type { ReportRepository } from '../db/report-repository.ts'
import type { SampleRepository } from '../db/sample-repository.ts'

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

export interface FeedSourceOptions {
  /** how long a feed's blocks are kept after it was last built or delivered (default 7 days, past any delivery window) */
  retentionMs?: number
  /** how often expired feeds are collected once started (default 1 h) */
  collectIntervalMs?: number
}

export interface FeedSourceComponents {
  anchors: Pick<AnchorRepository, 'epoch'>
  reports: Pick<ReportRepository, 'get'>
  /** where the feed's encrypted blocks go (the blockstore the blocks route and bitswap serve) */
  blocks: {
    put(cid: CID, bytes: Uint8Array, options?: AbortOptions): unknown
    has(cid: CID, options?: AbortOptions): boolean | Promise<boolean>
    delete(cid: CID, options?: AbortOptions): unknown
  }
  records: Pick<FeedBlockRepository, 'put' | 'list' | 'delete'>
  /** a sample with a feed's bytes holds the same blocks: they are never collected */
  samples: Pick<SampleRepository, 'get'>
  logger?: Logger
  now?: () => number
}

export interface FeedSource extends Startable {
  /** the epoch's feed, its blocks stored; undefined while the epoch is not final here */
  feed(epoch: number, options?: AbortOptions): Promise<FeedContent | undefined>
  /** deletes the blocks of feeds kept past their retention (start() runs it every collectIntervalMs) */
  collect(options?: AbortOptions): Promise<{ feeds: number, blocks: number }>
}

// feeds built lately, by epoch: orders for one epoch come together; a restart rebuilds the same bytes
const KEPT_FEEDS = 64

function chunksOf (bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let at = 0; at < bytes.byteLength; at += CHUNK_SIZE) out.push(bytes.subarray(at, at + CHUNK_SIZE))
  return out
}

const DAY_MS = 86_400_000

export function createFeedSource (c: FeedSourceComponents, opts: FeedSourceOptions = {}): FeedSource {
  const retentionMs = opts.retentionMs ?? 7 * DAY_MS
  const now = c.now ?? Date.now
  const built = new Map<string, { content: FeedContent, record: StoredFeedBlocks }>()
  // a build and a collection never interleave: a feed handed out is never one being collected
  const lock = createKeyLock()
  let controller: AbortController | undefined
  let loop: Promise<void> | undefined

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

  async function build (epoch: number, options: AbortOptions): Promise<FeedContent | undefined> {
    const anchored = await c.anchors.epoch(epoch)
    if (anchored?.jobIds === undefined || (anchored.missing?.length ?? 0) > 0) return undefined
    // by root too: an anchor a reorg took back and another root posted for the epoch is another feed
    const memo = `${epoch}/${anchored.root}`
    const kept = built.get(memo)
    if (kept !== undefined) {
      // delivered again: kept a full retention from now, written at most once per half retention
      if (kept.record.keepUntil < now() + retentionMs / 2) {
        kept.record = { ...kept.record, keepUntil: now() + retentionMs }
        await c.records.put(kept.record, options)
      }
      return kept.content
    }
    const reports = await finalReports(anchored.jobIds, options)
    if (reports === undefined) return undefined
    const feed = epochFeed(reports, epoch)
    const key = deriveContentKey(feed)
    try {
      const blocks = [...encryptSample(chunksOf(feed), feed.byteLength, key)]
      const manifest = blocks.at(-1)
      if (manifest === undefined) throw new Error('the feed encrypted to no manifest')
      const content: FeedContent = { epoch, sha256: feedDigest(feed), cid: manifest.cid.toString(), contentKey: `0x${bytesToHex(key)}`, size: feed.byteLength }
      const record: StoredFeedBlocks = { epoch, root: anchored.root, sha256: content.sha256, cid: content.cid, cids: blocks.map((b) => b.cid.toString()), keepUntil: now() + retentionMs }
      await c.records.put(record, options)
      for (const block of blocks) {
        options.signal?.throwIfAborted()
        await c.blocks.put(block.cid, block.bytes, options)
      }
      built.set(memo, { content, record })
      if (built.size > KEPT_FEEDS) built.delete(built.keys().next().value as string)
      return content
    } finally {
      key.fill(0)
    }
  }

  async function collect (options: AbortOptions): Promise<{ feeds: number, blocks: number }> {
    const records: StoredFeedBlocks[] = []
    for await (const r of c.records.list(options)) records.push(r)
    const at = now()
    const live = new Set(records.filter((r) => r.keepUntil > at).map((r) => r.cid))
    let feeds = 0
    let blocks = 0
    for (const r of records) {
      if (r.keepUntil > at) continue
      built.delete(`${r.epoch}/${r.root}`)
      if (!live.has(r.cid) && await c.samples.get(r.sha256) === undefined) {
        for (const text of r.cids) {
          options.signal?.throwIfAborted()
          const cid = CID.parse(text)
          if (!await c.blocks.has(cid, options)) continue
          await c.blocks.delete(cid, options)
          blocks++
        }
      }
      // an expired record sharing a live feed's manifest is dropped: the live one's record keeps the blocks
      await c.records.delete(r.epoch, r.root)
      feeds++
    }
    if (feeds > 0) c.logger?.info({ feeds, blocks }, 'expired epoch feeds collected')
    return { feeds, blocks }
  }

  return {
    async feed (epoch, options = {}) { return await lock('feeds', async () => await build(epoch, options)) },
    async collect (options = {}) { return await lock('feeds', async () => await collect(options)) },
    async start () {
      controller = new AbortController()
      const { signal } = controller
      loop = pollUntilAborted(async () => {
        await lock('feeds', async () => await collect({ signal })).catch((err: unknown) => { if (!signal.aborted) c.logger?.warn({ err }, 'collecting expired feeds failed; retried at the next interval') })
      }, opts.collectIntervalMs ?? 3_600_000, signal)
    },
    async stop () {
      controller?.abort()
      await loop
    }
  }
}
