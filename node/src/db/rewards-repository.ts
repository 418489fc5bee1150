import { PREFIXES, dbKey, dbRange } from './prefixes.ts'
import type { Database } from './database.ts'
import type { Hex } from '#protocol/messages.ts'
import type { ItemReward, RewardStep, RewardsStateJson } from '#protocol/rewards/index.ts'

/** One rule applied to a paid report, its amount as decimal wei. */
export type StoredRewardStep = Omit<RewardStep, 'amount'> & { amount: string }

/** One paid-epoch report's reward (ItemReward of protocol/src/rewards), amounts as decimal wei (records of older nodes lack evidence and steps). */
export type StoredItemReward = Omit<ItemReward, 'raw' | 'amount' | 'steps'> & { raw: string, amount: string, steps?: StoredRewardStep[] }

/** What this member computed for one epoch (SPEC 17): the tree's leaves and root, and why each amount is what it is. */
export interface StoredEpochRewards {
  epoch: number
  /** the epoch whose reports were paid; absent while the epoch is below W */
  paidEpoch?: number
  /** the tree's root; absent while nobody has earned (then nothing is signed or posted) */
  root?: Hex
  /** the sum of the leaves' cumulative amounts, wei */
  total: string
  /** what this epoch pays in all, wei */
  paid: string
  /** the tree's leaves (account, cumulative wei), by account ascending */
  leaves: Array<[Hex, string]>
  /** address -> wei paid this epoch (submitters and members) */
  amounts: Record<string, string>
  /** member -> wei for agreeing reveals this epoch */
  members: Record<string, string>
  items: StoredItemReward[]
  /** the jobs of the anchored reports the computation read (epochs E-W..E) */
  reports: number
  /** rewardBudgetPerEpoch at the epoch's end block, wei */
  budget: string
  /**
   * the anchored root of each epoch of the window it read (E-W..E; null: not anchored, final empty), so a
   * reorg that takes an anchor back, or brings another, is seen as a change of inputs (records of older nodes lack it)
   */
  anchors?: ReadonlyArray<readonly [number, Hex | null]>
  /** wallet -> its submission deposits settled this epoch (SPEC 17 rule 0; absent when none was, and in older records) */
  deposits?: Record<string, StoredDepositSettlement>
}

/** A wallet's deposits in a paid epoch: reports backed and not, and wei paid back, forfeited and withdrawn (decimal). */
export interface StoredDepositSettlement {
  backed: number
  unbacked: number
  refunded: string
  forfeited: string
  withdrawn: string
}

/** A member's RewardsRoot signature as gossiped (SPEC 17). */
export interface StoredRewardsSignature {
  member: Hex
  root: Hex
  /** the signed total, decimal wei */
  total: string
  signature: Hex
}

type Op = { type: 'put', key: string, value: unknown } | { type: 'del', key: string }

const pad = (epoch: number): string => String(epoch).padStart(15, '0')

/** states kept behind the newest: a reorg recomputes from the state before the first epoch it changed */
export const KEPT_REWARDS_STATES = 64

/**
 * The rewards of SPEC 17 on this member: each computed epoch's tree and breakdown, the state the next
 * computation starts from, and the RewardsRoot signatures gossiped for epochs not posted yet.
 */
export class RewardsRepository {
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  /** Records an epoch's result and the state after it in one write; states more than KEPT_REWARDS_STATES epochs older are dropped. */
  async putEpoch (record: StoredEpochRewards, state: RewardsStateJson): Promise<void> {
    const ops: Op[] = [
      { type: 'put', key: dbKey(PREFIXES.rewardsEpoch, pad(record.epoch)), value: record },
      { type: 'put', key: dbKey(PREFIXES.rewardsState, pad(state.epoch)), value: state }
    ]
    const range = dbRange(PREFIXES.rewardsState)
    const oldest = Math.max(0, state.epoch - KEPT_REWARDS_STATES + 1)
    for await (const key of this.#db.keys({ gte: range.gte, lt: dbKey(PREFIXES.rewardsState, pad(oldest)) })) ops.push({ type: 'del', key })
    await this.#db.batch(ops, { sync: true })
  }

  /** the state after `epoch` was computed; undefined when not computed or no longer kept */
  async stateAt (epoch: number): Promise<RewardsStateJson | undefined> {
    return await this.#db.get(dbKey(PREFIXES.rewardsState, pad(epoch))) as RewardsStateJson | undefined
  }

  /** Forgets what was computed from `epoch` on (records, states, and `self`'s signatures): a reorg changed its inputs. */
  async forgetFrom (epoch: number, self: Hex): Promise<void> {
    const ops: Op[] = []
    for (const prefix of [PREFIXES.rewardsEpoch, PREFIXES.rewardsState]) {
      for await (const key of this.#db.keys({ gte: dbKey(prefix, pad(epoch)), lt: dbRange(prefix).lt })) ops.push({ type: 'del', key })
    }
    for await (const [key, value] of this.#db.iterator({ gte: dbKey(PREFIXES.rewardsSignature, pad(epoch)), lt: dbRange(PREFIXES.rewardsSignature).lt })) {
      if ((value as StoredRewardsSignature).member === self) ops.push({ type: 'del', key })
    }
    await this.#db.batch(ops, { sync: true })
  }

  async epoch (epoch: number): Promise<StoredEpochRewards | undefined> {
    return await this.#db.get(dbKey(PREFIXES.rewardsEpoch, pad(epoch))) as StoredEpochRewards | undefined
  }

  /** computed epochs, newest first, at most `limit` */
  async epochs (limit: number): Promise<StoredEpochRewards[]> {
    return await this.#db.values({ ...dbRange(PREFIXES.rewardsEpoch), reverse: true, limit: Math.max(0, limit) }).all() as StoredEpochRewards[]
  }

  /** the state after the newest computed epoch; undefined before the first */
  async latestState (): Promise<RewardsStateJson | undefined> {
    const [state] = await this.#db.values({ ...dbRange(PREFIXES.rewardsState), reverse: true, limit: 1 }).all()
    return state as RewardsStateJson | undefined
  }

  /** Keeps a member's first signature for the epoch; false (nothing written) when one is held already. */
  async addSignature (epoch: number, signature: StoredRewardsSignature): Promise<boolean> {
    const key = dbKey(PREFIXES.rewardsSignature, pad(epoch), signature.member)
    if (await this.#db.get(key) !== undefined) return false
    await this.#db.put(key, signature)
    return true
  }

  /** Holds `signature` as its member's for the epoch in place of any before (the member signed again after a reorg). */
  async replaceSignature (epoch: number, signature: StoredRewardsSignature): Promise<void> {
    await this.#db.put(dbKey(PREFIXES.rewardsSignature, pad(epoch), signature.member), signature)
  }

  /** the signatures held for the epoch, by member ascending */
  async signatures (epoch: number): Promise<StoredRewardsSignature[]> {
    return await this.#db.values(dbRange(PREFIXES.rewardsSignature, pad(epoch))).all() as StoredRewardsSignature[]
  }

  /** Drops the signatures of every epoch up to `epoch` (posted, or superseded by a later posted root). */
  async forgetSignaturesThrough (epoch: number): Promise<void> {
    const range = dbRange(PREFIXES.rewardsSignature)
    const ops: Op[] = []
    for await (const key of this.#db.keys({ gte: range.gte, lt: dbKey(PREFIXES.rewardsSignature, pad(epoch + 1)) })) ops.push({ type: 'del', key })
    if (ops.length > 0) await this.#db.batch(ops)
  }
}
