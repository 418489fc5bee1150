// What a submitter is told at upload (SPEC 17, rule 0): a signed upload earns only if its wallet's
// submission deposit covers it at the epoch's end. A wallet with less than one deposit locked now is not
// refused (unsigned uploads work too); the answer says its upload will not earn. What earlier unpaid
// reports still use of the deposit is not subtracted: the notice is sure only when nothing is locked.
import { DEFAULT_REWARD_PARAMS, rewardParamsFrom } from '#protocol/rewards/index.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'
import type { RewardParams } from '#protocol/rewards/index.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { DepositSource } from './ports.ts'
import type { DepositNotice, DepositNotices } from '../api/ports/rewards.ts'

export interface DepositNoticeComponents {
  deposits: Pick<DepositSource, 'totals'>
  follower: Pick<RegistryFollower, 'followedBlock' | 'parameterAt'>
  /** what the chain does not set (as the rewards service's) */
  params?: RewardParams
}

const amount = (wei: bigint): string => `${wei / 10n ** 18n}${wei % 10n ** 18n === 0n ? '' : `.${(wei % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '')}`}`
const vmt = (wei: bigint): string => `${amount(wei)} VMT`

export function createDepositNotices (c: DepositNoticeComponents): DepositNotices {
  return {
    async noticeFor (account: Hex, options: AbortOptions = {}): Promise<DepositNotice | undefined> {
      const block = c.follower.followedBlock
      const required = rewardParamsFrom((key) => c.follower.parameterAt(key, block), c.params ?? DEFAULT_REWARD_PARAMS).params.submissionDeposit ?? 0n
      if (required === 0n) return undefined
      const totals = await c.deposits.totals(account, options)
      const locked = totals.deposited - totals.withdrawalsRequested
      if (locked >= required) return undefined
      return {
        code: 'NO_DEPOSIT',
        required: required.toString(),
        locked: locked.toString(),
        message: `this signed upload will not earn: ${account} has ${vmt(locked)} locked in SubmissionDeposits and a signed report needs ${vmt(required)} (SPEC 17 rule 0); the scan runs as usual. ` +
          `To earn, lock a deposit (each report uses one until its epoch is paid, then gets back what it earned): virusmap deposit --keystore YOUR_KEYSTORE --amount ${amount(required - locked)}`
      }
    }
  }
}
