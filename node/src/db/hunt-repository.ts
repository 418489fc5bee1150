import type { AbortOptions } from '@libp2p/interface'
import { createKeyLock } from './key-lock.ts'
import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { StoredPosition } from './report-repository.ts'
import type { Hex } from '#protocol/messages.ts'
import type { HuntRegistration, SignedHuntMatch } from '#protocol/hunt/index.ts'

/** A vendor's ruleset as this member keeps it (SPEC 19): sealed, as registered, with the period its orders pay for. */
export interface StoredRuleset {
  registration: HuntRegistration
  /** the latest deadline (block) of its hunt orders */
  paidUntil: number
  registeredAt: number
}

/** A stored notification and its place in the vendor's sequence (the SSE event id). */
export interface StoredHuntMatch {
  seq: number
  notification: SignedHuntMatch
}

export interface ReportCursor { date: number, jobId: Hex }

const SEQ_DIGITS = 15
const seqKey = (vendor: Hex, seq: number): string => dbKey(PREFIXES.huntMatch, vendor, String(seq).padStart(SEQ_DIGITS, '0'))

/** Rulesets by id, match notifications by vendor in sequence, and Livehunt's cursor over the reports. */
export class HuntRepository {
  readonly #db: Database
  readonly #lock = createKeyLock()
  /** vendor -> next sequence number, read once per vendor from the store */
  readonly #next = new Map<Hex, number>()

  constructor (db: Database) {
    this.#db = db
  }

  async getRuleset (rulesetId: Hex): Promise<StoredRuleset | undefined> {
    return await this.#db.get(dbKey(PREFIXES.huntRuleset, rulesetId)) as StoredRuleset | undefined
  }

  async putRuleset (stored: StoredRuleset): Promise<void> {
    await this.#db.put(dbKey(PREFIXES.huntRuleset, stored.registration.rulesetId), stored, { sync: true })
  }

  async deleteRuleset (rulesetId: Hex): Promise<void> {
    await this.#db.del(dbKey(PREFIXES.huntRuleset, rulesetId))
  }

  async rulesets (options: AbortOptions = {}): Promise<StoredRuleset[]> {
    const out: StoredRuleset[] = []
    for await (const [, value] of this.#db.iterator(dbRange(PREFIXES.huntRuleset))) {
      options.signal?.throwIfAborted()
      out.push(value as StoredRuleset)
    }
    return out
  }

  /** Appends a notification to its vendor's sequence (synced: nothing signed is sent before it is kept). */
  async addMatch (vendor: Hex, notification: SignedHuntMatch): Promise<StoredHuntMatch> {
    return await this.#lock(vendor, async () => {
      const seq = this.#next.get(vendor) ?? await this.#lastSeq(vendor) + 1
      await this.#db.put(seqKey(vendor, seq), notification, { sync: true })
      this.#next.set(vendor, seq + 1)
      return { seq, notification }
    })
  }

  /** The vendor's notifications after `afterSeq` (0: from the first), oldest first, at most `limit`. */
  async matches (vendor: Hex, afterSeq: number, limit: number, options: AbortOptions = {}): Promise<StoredHuntMatch[]> {
    const range = dbRange(PREFIXES.huntMatch, vendor)
    const out: StoredHuntMatch[] = []
    for await (const [key, value] of this.#db.iterator({ gt: seqKey(vendor, afterSeq), lt: range.lt, limit })) {
      options.signal?.throwIfAborted()
      out.push({ seq: Number(key.slice(-SEQ_DIGITS)), notification: value as SignedHuntMatch })
    }
    return out
  }

  /** Livehunt's place in the reports' storing order (report-feed.ts). */
  async cursor (): Promise<StoredPosition | undefined> {
    const value = await this.#db.get(dbKey(PREFIXES.huntCursor, 'livehunt')) as StoredPosition | ReportCursor | undefined
    // a cursor written by date order: reports stored before the storing order was are entered at their date
    return value === undefined || 'position' in value ? value : { position: value.date, jobId: value.jobId }
  }

  async setCursor (cursor: StoredPosition): Promise<void> {
    await this.#db.put(dbKey(PREFIXES.huntCursor, 'livehunt'), cursor)
  }

  /** the vendor's newest sequence number, 0 before its first notification */
  async lastSeq (vendor: Hex): Promise<number> {
    return (this.#next.get(vendor) ?? await this.#lastSeq(vendor) + 1) - 1
  }

  async #lastSeq (vendor: Hex): Promise<number> {
    const range = dbRange(PREFIXES.huntMatch, vendor)
    for await (const key of this.#db.keys({ ...range, reverse: true, limit: 1 })) return Number(key.slice(-SEQ_DIGITS))
    return 0
  }
}
