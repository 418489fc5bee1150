import { createKeyLock } from './key-lock.ts'
import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex, IndicatorKind } from '#protocol/messages.ts'
import type { AbortOptions } from '@libp2p/interface'

/** One submitter's wallet-guard report on a subject, from the signed job that carried it. */
export interface StoredGuardReport {
  /** the job's verified submitter (lower case) */
  submitter: Hex
  /** when the submitter signed, ms (signed, so every member reads the same) */
  submittedAt: number
}

/** submitters kept per subject: a quorum needs a handful, and a flood of fresh keys stores no more */
export const MAX_GUARD_REPORTERS_PER_SUBJECT = 64

/**
 * Wallet guards' block reports (issue 15 item 5) by subject and submitter: one entry per distinct
 * submitter, so a submitter reporting a subject again adds nothing. An entry keeps the submitter's
 * earliest report still inside `windowMs` of the newest one recorded, so a member judging an older
 * job later still finds the report that came before it.
 */
export class GuardReportRepository {
  readonly #db: Database
  readonly #lock = createKeyLock()

  constructor (db: Database) {
    this.#db = db
  }

  /** Records `report` on the subject; entries older than 2 × `windowMs` before it are dropped. Returns whether it was stored. */
  async record (kind: IndicatorKind, sha256: Hex, report: StoredGuardReport, windowMs: number, options: AbortOptions = {}): Promise<boolean> {
    const subject = dbKey(PREFIXES.guardReport, kind, sha256)
    return await this.#lock(subject, async () => {
      const entries = await this.#read(kind, sha256, MAX_GUARD_REPORTERS_PER_SUBJECT + 1, options)
      const stale = entries.filter(e => e.submittedAt <= report.submittedAt - 2 * windowMs)
      const live = entries.filter(e => !stale.includes(e))
      const own = live.find(e => e.submitter === report.submitter)
      const keep = own !== undefined && own.submittedAt > report.submittedAt - windowMs && own.submittedAt <= report.submittedAt
      const full = own === undefined && live.length >= MAX_GUARD_REPORTERS_PER_SUBJECT
      const ops = [
        ...stale.map(e => ({ type: 'del' as const, key: dbKey(PREFIXES.guardReport, kind, sha256, e.submitter) })),
        ...keep || full ? [] : [{ type: 'put' as const, key: dbKey(PREFIXES.guardReport, kind, sha256, report.submitter), value: { submitter: report.submitter.toLowerCase(), submittedAt: report.submittedAt } }]
      ]
      if (ops.length > 0) await this.#db.batch(ops)
      return !keep && !full
    })
  }

  /** The subject's reports, one per submitter (at most MAX_GUARD_REPORTERS_PER_SUBJECT). */
  async reports (kind: IndicatorKind, sha256: Hex, options: AbortOptions = {}): Promise<StoredGuardReport[]> {
    return await this.#read(kind, sha256, MAX_GUARD_REPORTERS_PER_SUBJECT, options)
  }

  async #read (kind: IndicatorKind, sha256: Hex, limit: number, options: AbortOptions): Promise<StoredGuardReport[]> {
    const out: StoredGuardReport[] = []
    for await (const [, value] of this.#db.iterator({ ...dbRange(PREFIXES.guardReport, kind, sha256), limit })) {
      options.signal?.throwIfAborted()
      out.push(value as StoredGuardReport)
    }
    return out
  }
}
