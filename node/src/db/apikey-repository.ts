import { createHash, randomBytes } from 'node:crypto'
import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import { API_KEY_PRIVILEGES, isApiKeyPrivilege, type ApiKeyPrivilege } from './apikey-privileges.ts'

/** What the node keeps of an API key: never the key itself, only its sha256. */
export interface ApiKeyRecord {
  /** public handle for `virusmap apikey revoke ID`: the first 16 hex digits of sha256(key) */
  id: string
  name: string
  /** requests allowed per UTC minute and per UTC day */
  perMinute: number
  perDay: number
  /**
   * Privileges granted on top of what every key may do, sorted. Records written before privileges
   * existed have none stored; they read as [] (see withPrivileges), so no migration rewrites them.
   */
  privileges: ApiKeyPrivilege[]
  /** ms since the epoch */
  createdAt: number
  revokedAt?: number
}

/** A VirusTotal key is 64 lowercase hex digits; ours are too (32 random bytes). */
export const API_KEY_PATTERN = /^[0-9a-f]{64}$/

export const MAX_QUOTA = 1_000_000_000

function keyHash (key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** The public id of a key: what `virusmap apikey list` shows and `revoke` takes. */
export function apiKeyId (key: string): string {
  return keyHash(key).slice(0, 16)
}

/** A stored record as the current shape: absent (older records) or unknown privileges are none. */
function withPrivileges (value: unknown): ApiKeyRecord {
  const record = value as Omit<ApiKeyRecord, 'privileges'> & { privileges?: unknown }
  const stored = Array.isArray(record.privileges) ? record.privileges.filter(isApiKeyPrivilege) : []
  return { ...record, privileges: stored }
}

export type ApiKeyErrorCode = 'BAD_KEY' | 'BAD_QUOTA' | 'BAD_PRIVILEGE' | 'UNKNOWN_KEY'

export class ApiKeyError extends Error {
  override readonly name = 'ApiKeyError'
  readonly code: ApiKeyErrorCode
  constructor (code: ApiKeyErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** API keys and their quotas, by sha256 of the key; a revoked key keeps its record (and its id). */
export class ApiKeyRepository {
  readonly #db: Database
  readonly #listeners = new Set<(id: string) => void>()

  constructor (db: Database) {
    this.#db = db
  }

  /**
   * Called with a key's id after it is created or revoked through this repository, so readers that
   * cache keys (the API's key guard) drop it at once. Returns the unsubscribe function.
   */
  onChange (listener: (id: string) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  #changed (id: string): void {
    for (const listener of this.#listeners) listener(id)
  }

  /**
   * Stores a new key (a random one unless `key` is given, e.g. to give several nodes the same
   * key) and returns it: the only time the key is seen.
   */
  async create (options: { name: string, perMinute: number, perDay: number, privileges?: readonly string[], key?: string, now?: number }): Promise<{ key: string, record: ApiKeyRecord }> {
    for (const [what, n] of [['per-minute', options.perMinute], ['per-day', options.perDay]] as const) {
      if (!Number.isSafeInteger(n) || n < 1 || n > MAX_QUOTA) throw new ApiKeyError('BAD_QUOTA', `the ${what} quota must be an integer from 1 to ${MAX_QUOTA}`)
    }
    const privileges = options.privileges ?? []
    if (privileges.length > API_KEY_PRIVILEGES.length * 2) throw new ApiKeyError('BAD_PRIVILEGE', 'too many privileges')
    for (const p of privileges) {
      if (!isApiKeyPrivilege(p)) throw new ApiKeyError('BAD_PRIVILEGE', `unknown privilege "${String(p).slice(0, 40)}" (known: ${API_KEY_PRIVILEGES.join(', ')})`)
    }
    const key = options.key ?? randomBytes(32).toString('hex')
    if (!API_KEY_PATTERN.test(key)) throw new ApiKeyError('BAD_KEY', 'an API key is 64 lowercase hex digits')
    const hash = keyHash(key)
    const record: ApiKeyRecord = {
      id: apiKeyId(key),
      name: options.name.slice(0, 100),
      perMinute: options.perMinute,
      perDay: options.perDay,
      privileges: [...new Set(privileges as ApiKeyPrivilege[])].toSorted(),
      createdAt: options.now ?? Date.now()
    }
    await this.#db.put(dbKey(PREFIXES.apiKey, hash), record, { sync: true })
    this.#changed(record.id)
    return { key, record }
  }

  /** The key's record if it exists and is not revoked. */
  async find (key: string): Promise<ApiKeyRecord | undefined> {
    if (!API_KEY_PATTERN.test(key)) return undefined
    const value = await this.#db.get(dbKey(PREFIXES.apiKey, keyHash(key)))
    if (value === undefined) return undefined
    const record = withPrivileges(value)
    return record.revokedAt !== undefined ? undefined : record
  }

  async * list (): AsyncGenerator<ApiKeyRecord> {
    for await (const value of this.#db.values(dbRange(PREFIXES.apiKey))) yield withPrivileges(value)
  }

  /** Revokes by id (or by the key itself); throws UNKNOWN_KEY when nothing matches. */
  async revoke (idOrKey: string, options: { now?: number } = {}): Promise<ApiKeyRecord> {
    const id = API_KEY_PATTERN.test(idOrKey) ? apiKeyId(idOrKey) : idOrKey.toLowerCase()
    for await (const [k, value] of this.#db.iterator(dbRange(PREFIXES.apiKey))) {
      const record = withPrivileges(value)
      if (record.id !== id) continue
      const revoked: ApiKeyRecord = { ...record, revokedAt: record.revokedAt ?? options.now ?? Date.now() }
      await this.#db.put(k, revoked, { sync: true })
      this.#changed(id)
      return revoked
    }
    throw new ApiKeyError('UNKNOWN_KEY', `no API key with id ${idOrKey.slice(0, 64)}`)
  }

  /** Requests counted against a key on a UTC day (YYYY-MM-DD), so day quotas survive restarts. */
  async dayUsage (id: string, day: string): Promise<number> {
    const n = await this.#db.get(dbKey(PREFIXES.apiKeyUsage, id, day))
    return typeof n === 'number' ? n : 0
  }

  async saveDayUsage (entries: Array<{ id: string, day: string, count: number }>): Promise<void> {
    if (entries.length === 0) return
    await this.#db.batch(entries.map((e) => ({ type: 'put' as const, key: dbKey(PREFIXES.apiKeyUsage, e.id, e.day), value: e.count })))
  }
}
