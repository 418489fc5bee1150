import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'
import type { StoredItemReward } from '../../db/rewards-repository.ts'
import type { StoredDepositSettlement } from '../../db/rewards-repository.ts'

/** What a submitter is told at a signed upload its deposit does not cover (SPEC 17, rule 0): it will not earn. */
export interface DepositNotice {
  code: 'NO_DEPOSIT'
  /** wei a signed report needs (rewardSubmissionDeposit at the followed block) */
  required: string
  /** wei the wallet has locked now: deposited minus withdrawals requested */
  locked: string
  message: string
}

export interface DepositNotices {
  /** undefined when `account`'s deposit covers a report, or no deposit is needed */
  noticeFor(account: Hex, options?: AbortOptions): Promise<DepositNotice | undefined>
}

/** One paid-epoch report's reward and why (SPEC 17): amounts in decimal wei. */
export type RewardItemView = StoredItemReward

/** An epoch's rewards as this member computed them (GET /api/virusmap/rewards/{epoch}). */
export interface RewardsEpochView {
  epoch: number
  /** the epoch whose reports were paid; absent while the epoch is below the pay delay */
  paidEpoch?: number
  /** absent while nobody has earned */
  root?: Hex
  /** the sum of every cumulative amount in the tree, wei */
  total: string
  /** what this epoch paid, and its budget, wei */
  paid: string
  budget: string
  reports: number
  leafCount: number
  /** address -> wei paid this epoch (submitters and members) */
  amounts: Record<string, string>
  /** member -> wei for agreeing reveals this epoch */
  members: Record<string, string>
  /** the paid reports, `offset` on, at most `limit` */
  items: RewardItemView[]
  itemCount: number
}

/** One address in an epoch's tree (GET /api/virusmap/rewards/{epoch}/{address}). */
export interface RewardsAccountView {
  epoch: number
  root?: Hex
  account: Hex
  /** its leaf's cumulative wei ('0' and no proof when it has none) */
  cumulative: string
  proof: Hex[]
  /** wei this epoch paid it, and as a member */
  amount: string
  memberAmount: string
  /** its submission deposits settled this epoch (rule 0), when any were; `amount` holds what they paid back */
  deposit?: StoredDepositSettlement
  /** the paid reports it submitted, at most `limit` */
  items: RewardItemView[]
}

export interface RewardsReader {
  /** the newest epoch this member computed; undefined before the first */
  latest(options?: AbortOptions): Promise<number | undefined>
  epoch(epoch: number, page: { offset: number, limit: number }, options?: AbortOptions): Promise<RewardsEpochView | undefined>
  /** `account` lowercase (validated); undefined when the epoch is not computed here */
  account(epoch: number, account: Hex, limit: number, options?: AbortOptions): Promise<RewardsAccountView | undefined>
}
