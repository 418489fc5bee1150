import { PREFIXES, dbKey } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Receipt } from '#protocol/receipt.ts'

/** A Receipt with the signature of the node that issued it (SPEC 17). */
export type StoredReceipt = Receipt & { signature: Hex }

/**
 * The receipts this node signed, by the job they name. A receipt is the submitter's evidence that
 * it came first, so it is stored (synced) before it is returned and a restart loses none.
 */
export class ReceiptRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  async put (receipt: StoredReceipt): Promise<void> {
    await this.#db.put(dbKey(PREFIXES.receipt, receipt.jobId), receipt, { sync: true })
  }

  async get (jobId: Hex): Promise<StoredReceipt | undefined> {
    return await this.#db.get(dbKey(PREFIXES.receipt, jobId)) as StoredReceipt | undefined
  }
}
