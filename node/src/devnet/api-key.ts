import { join } from 'node:path'
import { API_KEY_PATTERN, ApiKeyRepository, openDatabase } from '../db/index.ts'

/** The devnet's key is for trying things out and for benchmarks: its quotas are far out of the way. */
const DEVNET_QUOTA = { perMinute: 10_000_000, perDay: 1_000_000_000 }

/**
 * Gives every node the same API key before the nodes start (a node's database is locked while it
 * runs): the saved one when there is one, otherwise a new one.
 */
export async function ensureDevnetApiKey (dataDirs: string[], saved: string | undefined): Promise<string> {
  let key = saved !== undefined && API_KEY_PATTERN.test(saved) ? saved : undefined
  for (const dataDir of dataDirs) {
    const db = await openDatabase({ path: join(dataDir, 'db') })
    try {
      const keys = new ApiKeyRepository(db)
      if (key === undefined) key = (await keys.create({ name: 'devnet', ...DEVNET_QUOTA })).key
      else if (await keys.find(key) === undefined) await keys.create({ name: 'devnet', ...DEVNET_QUOTA, key })
    } finally {
      await db.close()
    }
  }
  if (key === undefined) throw new RangeError('a devnet needs at least one node')
  return key
}
