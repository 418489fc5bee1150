import { createKeyLock } from './key-lock.ts'
import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import { remember } from './read-cache.ts'
import { createFeedPositions, positionOf, storedAtKey, storedBound, storedKey, type FeedPositions } from './report-feed.ts'
import type { Database } from './database.ts'
import { ReportLeaves } from './report-leaves.ts'
import { WithdrawnIds } from './withdrawn-ids.ts'
import type { AnchorLeaf } from '#protocol/anchors.ts'
import type { Hex, IndicatorKind, SampleKind } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { AbortOptions } from '@libp2p/interface'

/** Why a stored report stopped being served: the chain no longer supports the membership it relied on. */
export interface WithdrawnReport {
  report: Report
  /** the check that failed (a ReportInvalidError code) and its message */
  code: string
  message: string
  /** the reorg that prompted the re-check */
  ancestorBlock: number
  withdrawnAt: number
}

type Op = { type: 'put', key: string, value: unknown } | { type: 'del', key: string }

/** Where a report is in this node's storing order (report-feed.ts). */
export interface StoredPosition { position: number, jobId: Hex }

/** Dates are ms since the epoch; 15 digits keep them in order until the year 33658. */
function dateKey (date: number, jobId: Hex): string {
  return dbKey(PREFIXES.reportByDate, String(Math.max(0, Math.trunc(date))).padStart(15, '0'), jobId)
}

/** Where a sample's latest report's job id lives (sampleIndex's `latest`, without the rest: every lookup reads it). */
function latestReportKey (kind: SampleKind, sha256: Hex): string {
  return kind === 'file' ? dbKey(PREFIXES.reportBySha256, sha256) : dbKey(PREFIXES.reportByIndicator, kind, sha256)
}

/**
 * Where a sample's latest report and its list of reports live: files by sha256, indicators by kind
 * and sha256 (a file's bytes can equal an indicator's subject, so the two never share an entry).
 */
function sampleIndex (kind: SampleKind, sha256: Hex): { latest: string, entry: (jobId: Hex) => string, range: { gte: string, lt: string } } {
  if (kind === 'file') {
    return { latest: latestReportKey(kind, sha256), entry: (id) => dbKey(PREFIXES.reportBySample, sha256, id), range: dbRange(PREFIXES.reportBySample, sha256) }
  }
  return {
    latest: latestReportKey(kind, sha256),
    entry: (id) => dbKey(PREFIXES.reportByIndicatorSample, kind, sha256, id),
    range: dbRange(PREFIXES.reportByIndicatorSample, kind, sha256)
  }
}

function blockKey (report: Report): string {
  return dbKey(PREFIXES.reportByBlock, String(report.job.job.membershipBlock).padStart(15, '0'), report.jobId)
}

/**
 * Final reports by job id, and the latest report (by report date) for each sample sha256. The
 * latest-report index is cached write-through (this process is the database's only writer).
 * A report a reorg took the membership from is withdrawn: out of every served index into a
 * withdrawn record, and never stored again.
 */
export class ReportRepository {
  readonly #db: Database
  readonly #latest = new Map<string, Hex>()
  readonly #leaves = new ReportLeaves()
  /** put and withdraw read-modify-write a sample's latest-report entry */
  readonly #lock = createKeyLock()
  /** where stored reports go in this node's storing order; read (and back-filled) once */
  #positions: Promise<FeedPositions> | undefined
  readonly #withdrawnIds: WithdrawnIds

  constructor (db: Database) {
    this.#db = db
    this.#withdrawnIds = new WithdrawnIds(db)
  }

  async get (jobId: Hex): Promise<Report | undefined> {
    return await this.#db.get(dbKey(PREFIXES.report, jobId)) as Report | undefined
  }

  async getLatestBySha256 (sha256: Hex): Promise<Report | undefined> {
    const jobId = await this.latestJobId(sha256)
    return jobId === undefined ? undefined : this.get(jobId)
  }

  /** the latest report on an indicator, by kind and sha256 of its canonical subject */
  async getLatestByIndicator (kind: IndicatorKind, sha256: Hex): Promise<Report | undefined> {
    const jobId = await this.latestJobId(sha256, kind)
    return jobId === undefined ? undefined : this.get(jobId)
  }

  /** The job id of the sample's latest report (reports are immutable by job id, so callers may cache them). */
  async latestJobId (sha256: Hex, kind: SampleKind = 'file'): Promise<Hex | undefined> {
    const key = latestReportKey(kind, sha256)
    const cached = this.#latest.get(key)
    if (cached !== undefined) return cached
    const jobId = await this.#db.get(key) as Hex | undefined
    if (jobId !== undefined) remember(this.#latest, key, jobId)
    return jobId
  }

  /**
   * Stores a report; it becomes the sample's latest unless a stored one is more recent. A
   * withdrawn job's report is not stored again (false): live state may still hold its verdicts.
   */
  async put (report: Report, options: { sync?: boolean } = {}): Promise<boolean> {
    const { sha256, kind } = report.job.job
    const index = sampleIndex(kind, sha256)
    const positions = await this.#feedPositions()
    return await this.#lock(index.latest, async () => {
      if (await this.withdrawn(report.jobId) !== undefined) return false
      const latestId = await this.latestJobId(sha256, kind)
      const latest = latestId === undefined ? undefined : await this.get(latestId)
      const jobId = report.jobId.toLowerCase() as Hex
      const ops: Op[] = [
        { type: 'put', key: dbKey(PREFIXES.report, jobId), value: report },
        { type: 'put', key: dateKey(report.date, jobId), value: jobId },
        { type: 'put', key: blockKey(report), value: jobId },
        { type: 'put', key: index.entry(jobId), value: report.date }
      ]
      const latestKey = index.latest
      const becomesLatest = latest === undefined || latest.jobId === report.jobId || latest.date <= report.date
      if (becomesLatest) ops.push({ type: 'put', key: latestKey, value: jobId })
      this.#latest.delete(latestKey)
      // stored again (more verdicts): it moves to the end of the storing order, so feeds serve it again
      const previous = await this.#db.get(storedAtKey(jobId)) as number | undefined
      if (previous !== undefined) ops.push({ type: 'del', key: storedKey(previous, jobId) })
      const position = positions.next()
      ops.push({ type: 'put', key: storedKey(position, jobId), value: jobId }, { type: 'put', key: storedAtKey(jobId), value: position })
      try {
        await this.#db.batch(ops, { sync: options.sync ?? false })
      } finally {
        positions.done(position)
      }
      if (becomesLatest) remember(this.#latest, latestKey, jobId)
      this.#leaves.keep(jobId, report)
      return true
    })
  }

  /** The anchor leaves of reports this repository answered, each kept from its put (report-leaves.ts). */
  leavesOf (reports: readonly Report[]): AnchorLeaf[] {
    return this.#leaves.leavesOf(reports)
  }

  /** job ids of the stored reports whose job's membership block is `block` or later, with that block */
  async fromBlock (block: number, options: AbortOptions = {}): Promise<Array<{ jobId: Hex, block: number }>> {
    const out: Array<{ jobId: Hex, block: number }> = []
    const range = dbRange(PREFIXES.reportByBlock)
    for await (const key of this.#db.keys({ gte: dbKey(PREFIXES.reportByBlock, String(Math.max(0, block)).padStart(15, '0')), lt: range.lt })) {
      options.signal?.throwIfAborted()
      const [padded, jobId] = key.slice(PREFIXES.reportByBlock.length).split('/')
      out.push({ jobId: jobId as Hex, block: Number(padded) })
    }
    return out
  }

  /**
   * Moves a report out of every served index into a withdrawn record (synced). If it was its
   * sample's latest, the newest remaining report of the sample takes its place.
   */
  async withdraw (jobId: Hex, reason: Omit<WithdrawnReport, 'report'>): Promise<WithdrawnReport | undefined> {
    const job = (await this.get(jobId))?.job.job
    if (job === undefined) return undefined
    const { sha256, kind } = job
    const index = sampleIndex(kind, sha256)
    return await this.#lock(index.latest, async () => {
      // read again under the lock: a put may have stored a version with more verdicts meanwhile
      const report = await this.get(jobId)
      if (report === undefined) return undefined
      const id = report.jobId.toLowerCase() as Hex
      const record: WithdrawnReport = { report, ...reason }
      // a report stored again as reveals came in has a date entry per version; each is some verdict's scannedAt
      const dates = new Set([report.date, ...report.verdicts.map((v) => v.verdict.scannedAt)])
      const ops: Op[] = [
        { type: 'put', key: dbKey(PREFIXES.reportWithdrawn, id), value: record },
        { type: 'del', key: dbKey(PREFIXES.report, id) },
        { type: 'del', key: blockKey(report) },
        { type: 'del', key: index.entry(id) },
        ...[...dates].map((d): Op => ({ type: 'del', key: dateKey(d, id) }))
      ]
      const position = await this.#db.get(storedAtKey(id)) as number | undefined
      if (position !== undefined) ops.push({ type: 'del', key: storedKey(position, id) }, { type: 'del', key: storedAtKey(id) })
      const latestKey = index.latest
      const wasLatest = await this.latestJobId(sha256, kind) === id
      const fallback = wasLatest ? await this.#newestOther(index.range, id) : undefined
      if (wasLatest) ops.push(fallback === undefined ? { type: 'del', key: latestKey } : { type: 'put', key: latestKey, value: fallback })
      this.#latest.delete(latestKey)
      this.#leaves.forget(id)
      await this.#db.batch(ops, { sync: true })
      await this.#withdrawnIds.add(id)
      if (fallback !== undefined) remember(this.#latest, latestKey, fallback)
      return record
    })
  }

  async withdrawn (jobId: Hex): Promise<WithdrawnReport | undefined> {
    if (!await this.#withdrawnIds.has(jobId)) return undefined
    return await this.#db.get(dbKey(PREFIXES.reportWithdrawn, jobId)) as WithdrawnReport | undefined
  }

  /** the sample's most recent stored report other than `except` (ties: the greater job id, as put would leave it) */
  async #newestOther (range: { gte: string, lt: string }, except: Hex): Promise<Hex | undefined> {
    let best: { jobId: Hex, date: number } | undefined
    for await (const [key, date] of this.#db.iterator(range)) {
      const jobId = key.slice(key.lastIndexOf('/') + 1) as Hex
      if (jobId === except) continue
      if (best === undefined || (date as number) > best.date || ((date as number) === best.date && jobId > best.jobId)) best = { jobId, date: date as number }
    }
    return best?.jobId
  }

  /**
   * The `limit` most recent reports (by report date), newest first. A report stored again with a
   * later date (more verdicts) has two date entries; it is listed once.
   */
  async recent (limit: number, options: AbortOptions = {}): Promise<Report[]> {
    const out: Report[] = []
    const seen = new Set<string>()
    if (!(limit > 0)) return out
    for await (const jobId of this.#db.values({ ...dbRange(PREFIXES.reportByDate), reverse: true, limit: limit * 2 })) {
      options.signal?.throwIfAborted()
      if (seen.has(jobId as string)) continue
      seen.add(jobId as string)
      const report = await this.get(jobId as Hex)
      if (report !== undefined) out.push(report)
      if (out.length >= limit) break
    }
    return out
  }

  /**
   * Reports by report date, oldest first, strictly after `after` (a date and job id, as the last
   * call's `next`): at most `scan` date entries are read, so a page costs a bounded read whatever
   * `keep` rejects. `last` is the last entry read (undefined: none after `after`); `more` whether
   * the scan stopped at its bound rather than at the end of the index.
   */
  async since (after: { date: number, jobId: Hex } | undefined, scan: number, keep: (report: Report) => boolean, options: AbortOptions = {}): Promise<{ reports: Report[], last: { date: number, jobId: Hex } | undefined, more: boolean }> {
    const range = dbRange(PREFIXES.reportByDate)
    const reports: Report[] = []
    let last: { date: number, jobId: Hex } | undefined
    let read = 0
    for await (const [key, jobId] of this.#db.iterator({ ...after === undefined ? { gte: range.gte } : { gt: dateKey(after.date, after.jobId) }, lt: range.lt, limit: scan })) {
      options.signal?.throwIfAborted()
      read++
      last = { date: Number(key.slice(PREFIXES.reportByDate.length, PREFIXES.reportByDate.length + 15)), jobId: jobId as Hex }
      const report = await this.get(jobId as Hex)
      // a report stored again with more verdicts has a later date entry too: it is listed at its latest
      if (report !== undefined && Math.max(0, Math.trunc(report.date)) === last.date && keep(report)) reports.push(report)
    }
    return { reports, last, more: read === scan }
  }

  /**
   * Reports in the order this node stored them, strictly after `after` (a position and job id, as
   * the last call's `last`): at most `scan` entries read, never past a position a put is still
   * writing. Unlike since(), a report stored late with an old date is still found after a cursor.
   */
  async stored (after: StoredPosition | undefined, scan: number, keep: (report: Report) => boolean, options: AbortOptions = {}): Promise<{ reports: Array<StoredPosition & { report: Report }>, last: StoredPosition | undefined, more: boolean }> {
    const positions = await this.#feedPositions()
    const range = dbRange(PREFIXES.reportStored)
    const watermark = positions.watermark()
    const reports: Array<StoredPosition & { report: Report }> = []
    let last: StoredPosition | undefined
    let read = 0
    const from = after === undefined ? { gte: range.gte } : { gt: storedKey(after.position, after.jobId) }
    for await (const [key, jobId] of this.#db.iterator({ ...from, lt: watermark === undefined ? range.lt : storedBound(watermark), limit: scan })) {
      options.signal?.throwIfAborted()
      read++
      const at = { position: positionOf(key), jobId: jobId as Hex }
      last = at
      const report = await this.get(at.jobId)
      if (report !== undefined && keep(report)) reports.push({ ...at, report })
    }
    return { reports, last, more: read === scan }
  }

  /** The storing order's positions; a database from before it gets its reports entered once, in report-date order. */
  async #feedPositions (): Promise<FeedPositions> {
    this.#positions ??= (async () => {
      const range = dbRange(PREFIXES.reportStored)
      for await (const key of this.#db.keys({ ...range, reverse: true, limit: 1 })) return createFeedPositions(positionOf(key))
      let last = 0
      let ops: Op[] = []
      for await (const [key, jobId] of this.#db.iterator(dbRange(PREFIXES.reportByDate))) {
        const date = Number(key.slice(PREFIXES.reportByDate.length, PREFIXES.reportByDate.length + 15))
        const report = await this.get(jobId as Hex)
        // a report stored again has a date entry per version: it is entered at its latest
        if (report === undefined || Math.max(0, Math.trunc(report.date)) !== date) continue
        last = Math.max(date, last + 1)
        ops.push({ type: 'put', key: storedKey(last, jobId as Hex), value: jobId }, { type: 'put', key: storedAtKey(jobId as Hex), value: last })
        if (ops.length >= 2000) { await this.#db.batch(ops); ops = [] }
      }
      if (ops.length > 0) await this.#db.batch(ops)
      return createFeedPositions(last)
    })().catch((err: unknown) => {
      // a failed read is tried again by the next caller
      this.#positions = undefined
      throw err
    })
    return await this.#positions
  }
}
