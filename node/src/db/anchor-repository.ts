import { remember } from './read-cache.ts'
import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { AnchorProposal, Hex } from '#protocol/messages.ts'

/**
 * A proposal for an epoch's root as gossiped (SPEC 15), its fields those of the protocol's AnchorProposal
 * but the message type: the proposer's listed jobs, their tree's leaves (checked to build the root when it
 * was gossiped), the root, its signature.
 */
export type StoredAnchorProposal = Omit<AnchorProposal, 'type'>

/** An epoch seen anchored on chain (an EpochAnchored event). */
export interface AnchoredEpoch {
  epoch: number
  root: Hex
  leafCount: number
  /** the block and transaction that anchored it */
  block: number
  tx: Hex
  /** who posted it */
  submitter: Hex
  /** the anchored root's jobs (the proposal's list, ascending), once this node has matched the root to its proposal */
  jobIds?: Hex[]
  /** listed jobs whose reports this node did not hold when it matched the root: not provable here yet */
  missing?: Hex[]
}

/** Where one final report is anchored: its leaf and the proof of it under the epoch's root. */
export interface JobAnchor {
  epoch: number
  root: Hex
  leafIndex: number
  proof: Hex[]
  /** the block that anchored the epoch */
  block: number
}

export interface EpochSignature {
  member: Hex
  signature: Hex
}

const EVENTS_READ_KEY = `${PREFIXES.meta}anchors-events-read-to`

type Op = { type: 'put', key: string, value: unknown } | { type: 'del', key: string }

/** Epochs are stored zero-padded so keys sort by number; 15 digits hold any safe block number. */
const pad = (epoch: number): string => String(epoch).padStart(15, '0')

/**
 * The epoch anchors of SPEC 15 on this node: proposals and the EpochRoot signatures collected for
 * them until their epoch is anchored, the epochs anchored on chain, and each anchored report's leaf.
 */
export class AnchorRepository {
  readonly #db: Database
  /**
   * jobId -> its anchor, or null: not anchored (most API lookups, of reports newer than the last anchored
   * epoch). Written through by assignJobs and forgetAnchoredAfter, the only writers of these keys.
   */
  readonly #jobAnchors = new Map<string, JobAnchor | null>()
  /** counts writes of job anchors (before and after each), so a read that a write overtook keeps nothing */
  #jobAnchorWrites = 0

  constructor (db: Database) {
    this.#db = db
  }

  /** false when this root was already proposed for the epoch (the first proposal is kept) */
  async addProposal (proposal: StoredAnchorProposal): Promise<boolean> {
    const key = dbKey(PREFIXES.anchorProposal, pad(proposal.epoch), proposal.root)
    if (await this.#db.get(key) !== undefined) return false
    await this.#db.put(key, proposal)
    return true
  }

  /** replaces the proposal held for its (epoch, root): another list under the same root that this node proves more of */
  async replaceProposal (proposal: StoredAnchorProposal): Promise<void> {
    await this.#db.put(dbKey(PREFIXES.anchorProposal, pad(proposal.epoch), proposal.root), proposal, { sync: true })
  }

  async proposal (epoch: number, root: Hex): Promise<StoredAnchorProposal | undefined> {
    return await this.#db.get(dbKey(PREFIXES.anchorProposal, pad(epoch), root)) as StoredAnchorProposal | undefined
  }

  async addSignature (epoch: number, root: Hex, signature: EpochSignature): Promise<void> {
    await this.#db.put(dbKey(PREFIXES.anchorSignature, pad(epoch), root, signature.member), signature)
  }

  /** the signatures held for one root, by member ascending (the order ReportAnchors requires) */
  async signatures (epoch: number, root: Hex): Promise<EpochSignature[]> {
    return await this.#db.values(dbRange(PREFIXES.anchorSignature, pad(epoch), root)).all() as EpochSignature[]
  }

  /**
   * Records an epoch anchored on chain; the signatures collected for it and the proposals of the
   * roots that lost are dropped (nothing can use them any more). Returns false when already recorded.
   */
  async recordAnchored (anchored: AnchoredEpoch): Promise<boolean> {
    const key = dbKey(PREFIXES.anchorEpoch, pad(anchored.epoch))
    if (await this.#db.get(key) !== undefined) return false
    const ops: Op[] = [{ type: 'put', key, value: anchored }]
    for await (const k of this.#db.keys(dbRange(PREFIXES.anchorSignature, pad(anchored.epoch)))) ops.push({ type: 'del', key: k })
    const kept = dbKey(PREFIXES.anchorProposal, pad(anchored.epoch), anchored.root)
    for await (const k of this.#db.keys(dbRange(PREFIXES.anchorProposal, pad(anchored.epoch)))) if (k !== kept) ops.push({ type: 'del', key: k })
    await this.#db.batch(ops, { sync: true })
    return true
  }

  /** Records the anchored epoch's jobs, each with its leaf index and proof (`leaves[i]` is leaf i's). */
  /**
   * Records an anchored epoch's jobs (the proposal's list) and the proofs of those this node holds the
   * reports of; `missing`, the listed jobs it lacks so far, are recorded to be proven when they arrive.
   */
  async assignJobs (epoch: number, jobIds: readonly Hex[], proofs: ReadonlyArray<{ jobId: Hex, proof: Hex[] }>, missing: readonly Hex[]): Promise<void> {
    const key = dbKey(PREFIXES.anchorEpoch, pad(epoch))
    const anchored = await this.#db.get(key) as AnchoredEpoch | undefined
    if (anchored === undefined) throw new Error(`epoch ${epoch} is not recorded as anchored`)
    const listed = jobIds.map((id) => id.toLowerCase() as Hex)
    const jobs = proofs.map((p) => {
      const value: JobAnchor = { epoch, root: anchored.root, leafIndex: listed.indexOf(p.jobId.toLowerCase() as Hex), proof: p.proof, block: anchored.block }
      return { type: 'put' as const, key: dbKey(PREFIXES.anchorJob, p.jobId), value }
    })
    const ops: Op[] = [{ type: 'put', key, value: { ...anchored, jobIds: listed, missing: missing.map((id) => id.toLowerCase() as Hex) } }, ...jobs]
    this.#jobAnchorWrites++
    try {
      await this.#db.batch(ops, { sync: true })
    } finally {
      this.#jobAnchorWrites++
      // the proven jobs are the keys written; the listed ones still missing stay unanchored
      for (const p of proofs) this.#jobAnchors.delete(p.jobId.toLowerCase())
    }
  }

  async epoch (epoch: number): Promise<AnchoredEpoch | undefined> {
    return await this.#db.get(dbKey(PREFIXES.anchorEpoch, pad(epoch))) as AnchoredEpoch | undefined
  }

  /** anchored epochs, newest first, at most `limit`, below `before` when given */
  async epochs (limit: number, before?: number): Promise<AnchoredEpoch[]> {
    const range = dbRange(PREFIXES.anchorEpoch)
    const lt = before === undefined ? range.lt : dbKey(PREFIXES.anchorEpoch, pad(Math.max(0, before)))
    return await this.#db.values({ gte: range.gte, lt, reverse: true, limit: Math.max(0, limit) }).all() as AnchoredEpoch[]
  }

  /** anchored epochs from `from` on, oldest first, at most `limit` */
  async epochsFrom (from: number, limit: number): Promise<AnchoredEpoch[]> {
    return await this.#db.values({ gte: dbKey(PREFIXES.anchorEpoch, pad(Math.max(0, from))), lt: dbRange(PREFIXES.anchorEpoch).lt, limit: Math.max(0, limit) }).all() as AnchoredEpoch[]
  }

  /**
   * Forgets the anchors recorded from blocks after `block` (a reorg took them back) with their jobs'
   * leaves, and reads events again from there. Returns the epochs forgotten.
   */
  async forgetAnchoredAfter (block: number): Promise<number[]> {
    const ops: Op[] = []
    const forgotten: number[] = []
    for await (const [key, value] of this.#db.iterator(dbRange(PREFIXES.anchorEpoch))) {
      const anchored = value as AnchoredEpoch
      if (anchored.block <= block) continue
      forgotten.push(anchored.epoch)
      ops.push({ type: 'del', key }, ...(anchored.jobIds ?? []).map((jobId): Op => ({ type: 'del', key: dbKey(PREFIXES.anchorJob, jobId) })))
    }
    const readTo = await this.eventsReadTo()
    if (readTo !== undefined && readTo > block) ops.push({ type: 'put', key: EVENTS_READ_KEY, value: block })
    this.#jobAnchorWrites++
    try {
      await this.#db.batch(ops, { sync: true })
    } finally {
      this.#jobAnchorWrites++
      this.#jobAnchors.clear()
    }
    return forgotten
  }

  /** the last block whose EpochAnchored events are recorded (undefined: none read yet) */
  async eventsReadTo (): Promise<number | undefined> {
    return await this.#db.get(EVENTS_READ_KEY) as number | undefined
  }

  async setEventsReadTo (block: number): Promise<void> {
    await this.#db.put(EVENTS_READ_KEY, block)
  }

  /** every root proposed for the epoch and still kept */
  async proposals (epoch: number): Promise<StoredAnchorProposal[]> {
    return await this.#db.values(dbRange(PREFIXES.anchorProposal, pad(epoch))).all() as StoredAnchorProposal[]
  }

  /** records that this member signs a root of `epoch` listing these jobs */
  async markSigned (epoch: number, jobIds: readonly Hex[]): Promise<void> {
    await this.#db.batch(jobIds.map((jobId) => ({ type: 'put' as const, key: dbKey(PREFIXES.anchorSignedJob, jobId.toLowerCase()), value: epoch })), { sync: true })
  }

  /** the epoch of the last root this member signed listing the job */
  async signedEpoch (jobId: Hex): Promise<number | undefined> {
    return await this.#db.get(dbKey(PREFIXES.anchorSignedJob, jobId.toLowerCase())) as number | undefined
  }

  async jobAnchor (jobId: Hex): Promise<JobAnchor | undefined> {
    const id = jobId.toLowerCase()
    const cached = this.#jobAnchors.get(id)
    if (cached !== undefined) return cached ?? undefined
    const writes = this.#jobAnchorWrites
    const anchor = await this.#db.get(dbKey(PREFIXES.anchorJob, id)) as JobAnchor | undefined
    if (writes === this.#jobAnchorWrites) remember(this.#jobAnchors, id, anchor ?? null)
    return anchor
  }
}
