import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'

/** A vendor's webhook at this member (SPEC 19): where its match notifications go, and how far they went. */
export interface StoredWebhook {
  vendor: Hex
  url: string
  setAt: number
  /** the last sequence number delivered (or given up on): the next POST is the notification after it */
  deliveredSeq: number
}

/** Webhooks by vendor; the delivered sequence is the dispatcher's queue cursor, so a restart resumes there. */
export class HuntWebhookRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  async get (vendor: Hex): Promise<StoredWebhook | undefined> {
    return await this.#db.get(dbKey(PREFIXES.huntWebhook, vendor)) as StoredWebhook | undefined
  }

  async put (hook: StoredWebhook): Promise<void> {
    await this.#db.put(dbKey(PREFIXES.huntWebhook, hook.vendor), hook, { sync: true })
  }

  async delete (vendor: Hex): Promise<void> {
    await this.#db.del(dbKey(PREFIXES.huntWebhook, vendor))
  }

  async list (options: AbortOptions = {}): Promise<StoredWebhook[]> {
    const out: StoredWebhook[] = []
    for await (const value of this.#db.values(dbRange(PREFIXES.huntWebhook))) {
      options.signal?.throwIfAborted()
      out.push(value as StoredWebhook)
    }
    return out
  }
}
