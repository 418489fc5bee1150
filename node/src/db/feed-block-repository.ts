import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'

/** The blocks of one epoch feed this member built (SPEC 18, feeds), recorded before they are written. */
export interface StoredFeedBlocks {
  epoch: number
  /** the anchored root the feed was built from (another root for the epoch is another feed) */
  root: Hex
  /** the feed's sha256 */
  sha256: Hex
  /** its manifest CID */
  cid: string
  /** every block's CID, the manifest's included */
  cids: string[]
  /** ms since the epoch: kept at least until then (pushed back while the feed is delivered) */
  keepUntil: number
}

// an epoch is at most 2^53 - 1: 16 digits keep keys in epoch order
const keyOf = (epoch: number, root: Hex): string => dbKey(PREFIXES.feedBlocks, epoch.toString().padStart(16, '0'), root)

/** Which feed blocks this member holds and until when, so they can be collected (market/feed-source.ts). */
export class FeedBlockRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  /** synced: blocks are written only once recorded, so a crash never leaves blocks nothing collects */
  async put (record: StoredFeedBlocks, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await this.#db.put(keyOf(record.epoch, record.root), record, { sync: true })
  }

  async get (epoch: number, root: Hex): Promise<StoredFeedBlocks | undefined> {
    return await this.#db.get(keyOf(epoch, root)) as StoredFeedBlocks | undefined
  }

  /** every record, oldest epoch first */
  async * list (options: AbortOptions = {}): AsyncGenerator<StoredFeedBlocks> {
    for await (const value of this.#db.values(dbRange(PREFIXES.feedBlocks))) {
      options.signal?.throwIfAborted()
      yield value as StoredFeedBlocks
    }
  }

  async delete (epoch: number, root: Hex): Promise<void> {
    await this.#db.del(keyOf(epoch, root))
  }
}
