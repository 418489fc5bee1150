import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import { remember } from './read-cache.ts'
import type { Database } from './database.ts'
import type { Hex, SampleKind } from '#protocol/messages.ts'

export const VOTE_VERDICTS = ['harmless', 'malicious'] as const
export type VoteVerdict = typeof VOTE_VERDICTS[number]

export interface VoteRecord {
  /** what was voted on: a file, or an indicator of this kind ('file' when absent: records before indicators) */
  kind?: SampleKind
  /** the file's sha256, or the indicator's canonical subject's */
  sha256: Hex
  /** the API key id that voted */
  voter: string
  verdict: VoteVerdict
  /** ms since the epoch */
  date: number
}

/** Files keep their keys from before indicators; an indicator's votes sit under its kind, apart from a file of the same sha256. */
function voteRange (kind: SampleKind, sha256: Hex): { gte: string, lt: string } {
  return kind === 'file' ? dbRange(PREFIXES.vote, sha256) : dbRange(PREFIXES.indicatorVote, kind, sha256)
}

function voteKey (kind: SampleKind, sha256: Hex, voter: string): string {
  return kind === 'file' ? dbKey(PREFIXES.vote, sha256, voter) : dbKey(PREFIXES.indicatorVote, kind, sha256, voter)
}

/**
 * VirusTotal-style community votes on files and indicators, one per voter per object, kept by this node. Totals
 * are cached write-through (this process is the database's only writer), since every file lookup
 * shows them.
 */
export class VoteRepository {
  readonly #db: Database
  readonly #totals = new Map<string, Record<VoteVerdict, number>>()

  constructor (db: Database) {
    this.#db = db
  }

  /** false when this voter already voted on the file (the first vote stands) */
  async add (vote: VoteRecord): Promise<boolean> {
    const kind = vote.kind ?? 'file'
    const key = voteKey(kind, vote.sha256, vote.voter)
    if (await this.#db.get(key) !== undefined) return false
    await this.#db.put(key, { ...vote, kind, sha256: vote.sha256.toLowerCase() as Hex })
    const cached = this.#totals.get(`${kind}/${vote.sha256.toLowerCase()}`)
    if (cached !== undefined) cached[vote.verdict]++
    return true
  }

  /** newest first, at most `limit` */
  async list (sha256: Hex, limit: number, kind: SampleKind = 'file'): Promise<VoteRecord[]> {
    const all: VoteRecord[] = []
    for await (const v of this.#db.values(voteRange(kind, sha256))) all.push(v as VoteRecord)
    return all.toSorted((a, b) => b.date - a.date).slice(0, limit)
  }

  async totals (sha256: Hex, kind: SampleKind = 'file'): Promise<Record<VoteVerdict, number>> {
    const key = `${kind}/${sha256.toLowerCase()}`
    const cached = this.#totals.get(key)
    if (cached !== undefined) return { ...cached }
    const totals = { harmless: 0, malicious: 0 }
    for await (const v of this.#db.values(voteRange(kind, sha256))) totals[(v as VoteRecord).verdict]++
    remember(this.#totals, key, totals)
    return { ...totals }
  }
}
