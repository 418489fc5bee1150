import { indicatorSha256, urlNetworkLocation } from '#protocol/index.ts'
import { createKeyLock } from './key-lock.ts'
import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex, IndicatorKind, ScanJob } from '#protocol/messages.ts'
import type { AbortOptions } from '@libp2p/interface'

/** distinct submitters kept per indicator (the newest win): the record stays small however popular it gets */
export const MAX_SUBMITTERS = 64

/** An indicator this node has seen submitted (in a job of the network, or through its own API). */
export interface IndicatorRecord {
  kind: IndicatorKind
  /** canonical */
  subject: string
  /** sha256 of the subject's UTF-8: the job sha256, VirusTotal's URL id for a URL */
  sha256: Hex
  firstSeen: number
  lastSeen: number
  /** wallet addresses that signed submissions of it, oldest first, at most MAX_SUBMITTERS */
  submitters: Hex[]
  /** the latest submission's context and when it was signed */
  context: string
  submittedAt: number
}

/** A file carries an indicator (a URL or domain an engine found in its bytes). */
export interface IndicatorRelation {
  kind: IndicatorKind
  subject: string
  fileSha256: Hex
  seenAt: number
}

/** A submitted URL on a host (protocol urlNetworkLocation): the host's urls relationship. */
export interface HostUrl {
  url: string
  firstSeen: number
}

const hashOf = (subject: string): string => indicatorSha256(subject).slice(2)

/**
 * Indicators (kind + canonical subject) and their relations to files, both ways. Subjects are
 * case-sensitive (URL paths), so keys use the subject's sha256 and values carry the subject.
 */
export class IndicatorRepository {
  readonly #db: Database
  readonly #lock = createKeyLock()

  constructor (db: Database) {
    this.#db = db
  }

  async get (kind: IndicatorKind, subject: string): Promise<IndicatorRecord | undefined> {
    return await this.getByHash(kind, indicatorSha256(subject))
  }

  /** by the sha256 of the canonical subject (a URL's VirusTotal id), which is the record's key */
  async getByHash (kind: IndicatorKind, sha256: Hex): Promise<IndicatorRecord | undefined> {
    return await this.#db.get(dbKey(PREFIXES.indicator, kind, sha256.slice(2))) as IndicatorRecord | undefined
  }

  /**
   * Records a submission (an indicator job's submitter, context and time); creates the record on
   * first sight, and a URL's under its host (urlsOn) with it.
   */
  async recordSubmission (job: Pick<ScanJob, 'kind' | 'subject' | 'context' | 'submitter' | 'submittedAt'>, options: { now: number }): Promise<IndicatorRecord> {
    if (job.kind === 'file') throw new TypeError('a file is not an indicator')
    const kind = job.kind
    const key = dbKey(PREFIXES.indicator, kind, hashOf(job.subject))
    return await this.#lock(key, async () => {
      const known = await this.#db.get(key) as IndicatorRecord | undefined
      const submitter = job.submitter.toLowerCase() as Hex
      const submitters = [...(known?.submitters ?? []).filter((s) => s !== submitter), submitter].slice(-MAX_SUBMITTERS)
      const newer = known === undefined || job.submittedAt >= known.submittedAt
      const record: IndicatorRecord = {
        kind,
        subject: job.subject,
        sha256: indicatorSha256(job.subject),
        firstSeen: Math.min(known?.firstSeen ?? options.now, options.now),
        lastSeen: Math.max(known?.lastSeen ?? options.now, options.now),
        submitters,
        context: newer ? job.context : (known?.context ?? ''),
        submittedAt: newer ? job.submittedAt : (known?.submittedAt ?? 0)
      }
      const host = known === undefined && kind === 'url' ? urlNetworkLocation(job.subject) : undefined
      if (host === undefined) await this.#db.put(key, record)
      else {
        const onHost: HostUrl = { url: job.subject, firstSeen: record.firstSeen }
        await this.#db.batch([
          { type: 'put', key, value: record },
          { type: 'put', key: dbKey(PREFIXES.hostUrl, host.kind, hashOf(host.subject), hashOf(job.subject)), value: onHost }
        ])
      }
      return record
    })
  }

  /** Relates a file to the indicators found in it, both ways (one batch). */
  async relate (fileSha256: Hex, indicators: Array<{ kind: IndicatorKind, subject: string }>, options: { now: number }): Promise<void> {
    const file = fileSha256.toLowerCase() as Hex
    const ops = indicators.flatMap(({ kind, subject }) => {
      const value: IndicatorRelation = { kind, subject, fileSha256: file, seenAt: options.now }
      const h = hashOf(subject)
      return [
        { type: 'put' as const, key: dbKey(PREFIXES.indicatorFile, kind, h, file), value },
        { type: 'put' as const, key: dbKey(PREFIXES.fileIndicator, file, kind, h), value }
      ]
    })
    if (ops.length > 0) await this.#db.batch(ops)
  }

  /** sha256 of the files known to carry the indicator, at most `limit` */
  async filesOf (kind: IndicatorKind, subject: string, limit: number, options: AbortOptions = {}): Promise<Hex[]> {
    const out: Hex[] = []
    if (!(limit > 0)) return out
    for await (const v of this.#db.values({ ...dbRange(PREFIXES.indicatorFile, kind, hashOf(subject)), limit })) {
      options.signal?.throwIfAborted()
      out.push((v as IndicatorRelation).fileSha256)
    }
    return out
  }

  /** the submitted URLs whose host is this domain or IP (canonical), at most `limit`, in the order of their sha256 */
  async urlsOn (kind: 'domain' | 'ip', subject: string, limit: number, options: AbortOptions = {}): Promise<string[]> {
    const out: string[] = []
    if (!(limit > 0)) return out
    for await (const v of this.#db.values({ ...dbRange(PREFIXES.hostUrl, kind, hashOf(subject)), limit })) {
      options.signal?.throwIfAborted()
      out.push((v as HostUrl).url)
    }
    return out
  }

  /** the indicators found in a file, at most `limit` */
  async indicatorsOf (fileSha256: Hex, limit: number, options: AbortOptions = {}): Promise<Array<{ kind: IndicatorKind, subject: string }>> {
    const out: Array<{ kind: IndicatorKind, subject: string }> = []
    if (!(limit > 0)) return out
    for await (const v of this.#db.values({ ...dbRange(PREFIXES.fileIndicator, fileSha256), limit })) {
      options.signal?.throwIfAborted()
      const { kind, subject } = v as IndicatorRelation
      out.push({ kind, subject })
    }
    return out
  }
}
