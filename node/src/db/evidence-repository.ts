import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex, SignedAttestation, SignedCommitment, SignedVerdict } from '#protocol/messages.ts'

/** Two conflicting messages signed by one member for one job: proof of equivocation. */
export type Evidence =
  | { kind: 'commitment', member: Hex, jobId: Hex, first: SignedCommitment, second: SignedCommitment, recordedAt: number }
  | { kind: 'verdict', member: Hex, jobId: Hex, first: SignedVerdict, second: SignedVerdict, recordedAt: number }
  | { kind: 'attestation', member: Hex, jobId: Hex, first: SignedAttestation, second: SignedAttestation, recordedAt: number }

/** Keeps the first conflicting pair per (member, job, kind); one pair is all the proof needed. */
export class EvidenceRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  /** Returns false when evidence of this kind was already kept for the member and job. */
  async add (evidence: Evidence): Promise<boolean> {
    const key = dbKey(PREFIXES.evidence, evidence.member, evidence.jobId, evidence.kind)
    if (await this.#db.get(key) !== undefined) return false
    await this.#db.put(key, evidence, { sync: true })
    return true
  }

  /** the pair of `kind` kept for the member and job, if any */
  async get (member: Hex, jobId: Hex, kind: Evidence['kind']): Promise<Evidence | undefined> {
    return await this.#db.get(dbKey(PREFIXES.evidence, member, jobId, kind)) as Evidence | undefined
  }

  async listByMember (member: Hex): Promise<Evidence[]> {
    return await this.#db.values(dbRange(PREFIXES.evidence, member)).all() as Evidence[]
  }

  /** members with evidence kept, lowercase, in key order; at most `limit` */
  async members (limit: number): Promise<Hex[]> {
    const out: Hex[] = []
    const range = dbRange(PREFIXES.evidence)
    for await (const key of this.#db.keys(range)) {
      const member = key.slice(PREFIXES.evidence.length).split('/', 1)[0] as Hex
      if (out.at(-1) !== member) out.push(member)
      if (out.length >= limit) break
    }
    return out
  }
}
