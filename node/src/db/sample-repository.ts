import { createKeyLock } from './key-lock.ts'
import { PREFIXES, dbKey } from './prefixes.ts'
import { remember } from './read-cache.ts'
import type { Database } from './database.ts'
import type { Hex } from '#protocol/messages.ts'

export interface SampleRecord {
  sha256: Hex
  sha1: Hex
  md5: Hex
  size: number
  fileType: string
  /** manifest CID of the encrypted sample */
  cid: string
  /** convergent content key, hex; stays on this node (wrapped per member in jobs), never logged */
  contentKey: Hex
  firstSeen: number
  lastSeen: number
  /** submitted file names, first ones kept (bounded so repeated uploads cannot grow a record) */
  names: string[]
}

export interface SampleUpload extends Omit<SampleRecord, 'firstSeen' | 'lastSeen' | 'names'> {
  name?: string
  seenAt: number
}

export const MAX_SAMPLE_NAMES = 32
export const MAX_SAMPLE_NAME_LENGTH = 255

/**
 * Sample metadata by sha256, with sha1 and md5 indices pointing at the sha256. Reads go through a
 * write-through cache: the node process is the database's only writer (LevelDB's lock), and every
 * write passes through recordUpload. Returned records are shared: do not mutate them.
 */
export class SampleRepository {
  readonly #db: Database
  readonly #lock = createKeyLock()
  readonly #records = new Map<string, SampleRecord>()
  /** sha1/md5 -> sha256; never changes once written */
  readonly #index = new Map<string, Hex>()
  /**
   * a looked-up hash as the caller spelled it -> its record's key: the spelling's record never changes
   * (a sha256 names itself, a sha1 or md5 index entry is written once), so a popular file's lookups skip
   * the normalising (2.5% of a GET /files at c = 100, helper-82's profile); the record itself still comes
   * from the write-through cache
   */
  readonly #found = new Map<string, string>()

  constructor (db: Database) {
    this.#db = db
  }

  async get (sha256: Hex): Promise<SampleRecord | undefined> {
    const key = dbKey(PREFIXES.sample, sha256)
    const cached = this.#records.get(key)
    if (cached !== undefined) return cached
    const record = await this.#db.get(key) as SampleRecord | undefined
    if (record !== undefined) remember(this.#records, key, record)
    return record
  }

  /** Lookup by sha256, sha1 or md5 (told apart by length), as VirusTotal's /files/{id} does. */
  async find (hash: string): Promise<SampleRecord | undefined> {
    const known = this.#found.get(hash)
    const kept = known === undefined ? undefined : this.#records.get(known)
    if (kept !== undefined) return kept
    const record = await this.#find(hash)
    if (record !== undefined) remember(this.#found, hash, dbKey(PREFIXES.sample, record.sha256))
    return record
  }

  async #find (hash: string): Promise<SampleRecord | undefined> {
    const h = hash.toLowerCase().replace(/^0x/, '')
    if (!/^[0-9a-f]+$/.test(h)) return undefined
    if (h.length === 64) return this.get(`0x${h}`)
    const index = h.length === 40 ? PREFIXES.sampleBySha1 : h.length === 32 ? PREFIXES.sampleByMd5 : undefined
    if (index === undefined) return undefined
    const key = dbKey(index, `0x${h}`)
    const sha256 = this.#index.get(key) ?? await this.#db.get(key) as Hex | undefined
    if (sha256 === undefined) return undefined
    remember(this.#index, key, sha256)
    return this.get(sha256)
  }

  /**
   * Records an upload: creates the record or updates lastSeen and names. Written as one synced
   * batch, because the upload is acknowledged as soon as this returns.
   */
  async recordUpload (upload: SampleUpload): Promise<SampleRecord> {
    const sha256 = upload.sha256.toLowerCase() as Hex
    return this.#lock(sha256, async () => {
      const existing = await this.get(sha256)
      const name = upload.name?.slice(0, MAX_SAMPLE_NAME_LENGTH)
      const names = existing?.names ?? []
      const record: SampleRecord = {
        sha256,
        sha1: upload.sha1.toLowerCase() as Hex,
        md5: upload.md5.toLowerCase() as Hex,
        size: upload.size,
        fileType: upload.fileType,
        cid: upload.cid,
        contentKey: upload.contentKey.toLowerCase() as Hex,
        firstSeen: Math.min(existing?.firstSeen ?? upload.seenAt, upload.seenAt),
        lastSeen: Math.max(existing?.lastSeen ?? upload.seenAt, upload.seenAt),
        names: name !== undefined && name !== '' && !names.includes(name) && names.length < MAX_SAMPLE_NAMES ? [...names, name] : names
      }
      const ops: Array<{ type: 'put', key: string, value: unknown }> = [
        { type: 'put', key: dbKey(PREFIXES.sample, sha256), value: record },
        { type: 'put', key: dbKey(PREFIXES.sampleBySha1, record.sha1), value: sha256 },
        { type: 'put', key: dbKey(PREFIXES.sampleByMd5, record.md5), value: sha256 }
      ]
      // a failed write leaves no stale cache entry: the cache is only told after the batch lands
      this.#records.delete(ops[0]?.key as string)
      await this.#db.batch(ops, { sync: true })
      remember(this.#records, ops[0]?.key as string, record)
      return record
    })
  }
}
