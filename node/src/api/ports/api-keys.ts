import type { ApiKeyPrivilege } from '../../db/apikey-privileges.ts'

export interface ApiKeyLimits {
  /** public handle of the key (not the key) */
  id: string
  perMinute: number
  perDay: number
  /** what the key may do beyond every key's routes; absent: nothing */
  privileges?: readonly ApiKeyPrivilege[]
}

/**
 * x-apikey keys. When the port is given, every /api/v3 and /api/virusmap request needs a key the
 * port knows; quotas are counted by the API (per UTC minute and per UTC day).
 */
export interface ApiKeyReader {
  /** the key's limits, or undefined for a key that is unknown or revoked */
  find(key: string): Promise<ApiKeyLimits | undefined>
  /** requests already counted against the key on a UTC day (YYYY-MM-DD), e.g. before a restart */
  dayUsage?(id: string, day: string): Promise<number>
  /** called every few seconds with the day counts that changed */
  saveDayUsage?(entries: Array<{ id: string, day: string, count: number }>): Promise<void>
  /** tells the API when a key (by id) is created or revoked, so a revoked key stops at once; returns unsubscribe */
  onChange?(listener: (id: string) => void): () => void
}
