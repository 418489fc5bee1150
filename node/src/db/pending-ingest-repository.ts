import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex } from '#protocol/messages.ts'
import type { AbortOptions } from '@libp2p/interface'

/** One batch of blocks an ingest was about to write. */
export interface PendingBlocks {
  /** the sample the blocks belong to: if it is recorded, they are its blocks and stay */
  sha256: Hex
  /** block CIDs, as strings */
  cids: string[]
}

export interface PendingIngest {
  ingestId: string
  sha256: Hex
  cids: string[]
}

const BATCH_DIGITS = 8

/**
 * Ingests in progress, for garbage-collecting the blocks of one that never finished (a crash, a
 * kill). A batch is recorded, synced, before its blocks are written; the whole ingest is cleared
 * once its sample record is written.
 */
export class PendingIngestRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  /** Synced: the record must be on disk before any block it names is. */
  async add (ingestId: string, batch: number, blocks: PendingBlocks): Promise<void> {
    await this.#db.put(dbKey(PREFIXES.ingestPending, ingestId, String(batch).padStart(BATCH_DIGITS, '0')), blocks, { sync: true })
  }

  /** Not synced: a clear lost in a crash only makes the next start look at a completed ingest again, which keeps its blocks. */
  async clear (ingestId: string): Promise<void> {
    await this.#db.clear(dbRange(PREFIXES.ingestPending, ingestId))
  }

  /** The blocks one ingest recorded, or undefined when it has no record left. */
  async get (ingestId: string): Promise<PendingIngest | undefined> {
    for await (const ingest of this.#read(dbRange(PREFIXES.ingestPending, ingestId))) return ingest
    return undefined
  }

  /** Every pending ingest with all the blocks its batches named. */
  list (options: AbortOptions = {}): AsyncGenerator<PendingIngest, void, undefined> {
    return this.#read(dbRange(PREFIXES.ingestPending), options)
  }

  /** Batches grouped by ingest: keys sort by ingest id, then batch. */
  async * #read (range: { gte: string, lt: string }, options: AbortOptions = {}): AsyncGenerator<PendingIngest, void, undefined> {
    let pending: PendingIngest | undefined
    for await (const [key, value] of this.#db.iterator(range)) {
      options.signal?.throwIfAborted()
      const ingestId = key.slice(PREFIXES.ingestPending.length).split('/')[0] as string
      const blocks = value as PendingBlocks
      if (pending !== undefined && pending.ingestId !== ingestId) {
        yield pending
        pending = undefined
      }
      pending ??= { ingestId, sha256: blocks.sha256, cids: [] }
      pending.cids.push(...blocks.cids)
    }
    if (pending !== undefined) yield pending
  }
}
