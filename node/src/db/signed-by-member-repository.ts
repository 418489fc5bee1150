import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex, SignedAttestation, SignedCommitment, SignedComplaint, SignedVerdict } from '#protocol/messages.ts'

type MemberPrefix = typeof PREFIXES.commitment | typeof PREFIXES.verdict | typeof PREFIXES.attestation | typeof PREFIXES.complaint

/** Messages stored by jobId + member; listing by job walks one key range. */
class ByJobAndMember<T> {
  readonly #db: Database
  readonly #prefix: MemberPrefix
  readonly #ids: (msg: T) => { jobId: Hex, member: Hex }

  constructor (db: Database, prefix: MemberPrefix, ids: (msg: T) => { jobId: Hex, member: Hex }) {
    this.#db = db
    this.#prefix = prefix
    this.#ids = ids
  }

  async put (msg: T, options: { sync?: boolean } = {}): Promise<void> {
    const { jobId, member } = this.#ids(msg)
    await this.#db.put(dbKey(this.#prefix, jobId, member), msg, { sync: options.sync ?? false })
  }

  async get (jobId: Hex, member: Hex): Promise<T | undefined> {
    return await this.#db.get(dbKey(this.#prefix, jobId, member)) as T | undefined
  }

  async listByJob (jobId: Hex): Promise<T[]> {
    return await this.#db.values(dbRange(this.#prefix, jobId)).all() as T[]
  }
}

export class CommitmentRepository extends ByJobAndMember<SignedCommitment> {
  constructor (db: Database) {
    super(db, PREFIXES.commitment, msg => msg.commitment)
  }
}

export class VerdictRepository extends ByJobAndMember<SignedVerdict> {
  constructor (db: Database) {
    super(db, PREFIXES.verdict, msg => msg.verdict)
  }
}

export class AttestationRepository extends ByJobAndMember<SignedAttestation> {
  constructor (db: Database) {
    super(db, PREFIXES.attestation, msg => ({ jobId: msg.attestation.jobId, member: msg.member }))
  }
}

export class ComplaintRepository extends ByJobAndMember<SignedComplaint> {
  constructor (db: Database) {
    super(db, PREFIXES.complaint, msg => msg.complaint)
  }
}
