import { PREFIXES, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex } from '#protocol/messages.ts'

/**
 * The job ids of withdrawn reports (a reorg's rare work), read from the database once. Every report put
 * and every analysis lookup asks whether its job was withdrawn, and nearly all were not, which LevelDB
 * answers no faster than a hit: a trip to its thread pool each.
 */
export class WithdrawnIds {
  readonly #db: Database
  #ids: Promise<Set<string>> | undefined

  constructor (db: Database) {
    this.#db = db
  }

  async has (jobId: Hex): Promise<boolean> {
    return (await this.#read()).has(jobId.toLowerCase())
  }

  /** once the withdrawn record is written: a load under way then either read it or is awaited first */
  async add (jobId: Hex): Promise<void> {
    (await this.#read()).add(jobId.toLowerCase())
  }

  async #read (): Promise<Set<string>> {
    this.#ids ??= (async () => {
      const ids = new Set<string>()
      for await (const key of this.#db.keys(dbRange(PREFIXES.reportWithdrawn))) ids.add(key.slice(PREFIXES.reportWithdrawn.length))
      return ids
    })()
    try {
      return await this.#ids
    } catch (err) {
      // a failed read is tried again by the next caller, not remembered
      this.#ids = undefined
      throw err
    }
  }
}
