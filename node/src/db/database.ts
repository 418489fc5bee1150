import { Level } from 'level'
import { coalescingLevel } from './coalescing-level.ts'
import { SchemaVersionError } from './errors.ts'
import { SCHEMA_VERSION_KEY } from './prefixes.ts'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Bump when a stored shape changes incompatibly, and add the migration from the previous one.
 * 2: small blocks live in the database (PREFIXES.smallBlock). Nothing stored under 1 changes, so 1 is
 * only restamped; a node of schema 1 would not find those blocks, and refuses a database of 2.
 */
export const SCHEMA_VERSION = 2

/** Keys are strings built with dbKey; values are JSON (each repository owns its value shape). Puts are coalesced (coalescing-level.ts). */
export type Database = Level<string, unknown>

export interface OpenDatabaseOptions extends AbortOptions {
  path: string
}

/**
 * Opens (creating if missing) the node database and checks its schema version: a fresh database
 * is stamped with ours, an older one would be migrated here, a newer or unreadable one refused.
 */
export async function openDatabase (options: OpenDatabaseOptions): Promise<Database> {
  options.signal?.throwIfAborted()
  const db: Database = coalescingLevel(options.path)
  await db.open()
  try {
    const stored = await db.get(SCHEMA_VERSION_KEY)
    if (stored === undefined || stored === 1) {
      await db.put(SCHEMA_VERSION_KEY, SCHEMA_VERSION, { sync: true })
    } else if (typeof stored !== 'number' || !Number.isSafeInteger(stored) || stored < 1) {
      throw new SchemaVersionError('SCHEMA_INVALID', `unreadable schema version ${JSON.stringify(stored)}`)
    } else if (stored > SCHEMA_VERSION) {
      throw new SchemaVersionError('SCHEMA_TOO_NEW', `database schema ${stored} is newer than this node's ${SCHEMA_VERSION}`)
    }
  } catch (err) {
    await db.close()
    throw err
  }
  return db
}
