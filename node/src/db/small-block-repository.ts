import { dbRange, PREFIXES } from './prefixes.ts'
import type { Database } from './database.ts'

const VIEW = { valueEncoding: 'view' } as const

/**
 * The bytes of small blocks by name (the base32 of their multihash), under PREFIXES.smallBlock: the
 * database half of the node's blockstore (ipfs/small-block-tier.ts). Every put is synced: a block is
 * durable before its put resolves, and rides in the turn's one synced batch (coalescing-level.ts).
 * Values are raw bytes, not the database's JSON.
 */
export class SmallBlockRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  async get (name: string): Promise<Uint8Array | undefined> {
    return await this.#db.get(PREFIXES.smallBlock + name, VIEW) as Uint8Array | undefined
  }

  async has (name: string): Promise<boolean> {
    return await this.#db.has(PREFIXES.smallBlock + name)
  }

  /** `bytes` must not change until this resolves: the write happens with the turn's batch */
  async put (name: string, bytes: Uint8Array): Promise<void> {
    await this.#db.put(PREFIXES.smallBlock + name, bytes, { ...VIEW, sync: true })
  }

  async delete (name: string): Promise<void> {
    await this.#db.del(PREFIXES.smallBlock + name)
  }

  /** every block stored, as [name, bytes] */
  async * entries (): AsyncGenerator<[string, Uint8Array]> {
    for await (const [key, bytes] of this.#db.iterator({ ...dbRange(PREFIXES.smallBlock), ...VIEW })) {
      yield [key.slice(PREFIXES.smallBlock.length), bytes as Uint8Array]
    }
  }
}
