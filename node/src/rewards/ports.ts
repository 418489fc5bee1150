// What the rewards service and `virusmap claim` need of the chain: RewardsDistributor's reads, postRoot() and claim() (rewards-chain.ts).
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'
import type { DepositTotals } from '#protocol/rewards/index.ts'

/** A rewards root as RewardsDistributor holds it. */
export interface RewardsRootOnChain {
  epoch: number
  root: Hex
  total: bigint
}

export interface RewardsRoots {
  /** the root claims pay against now (an open root past its challenge counts as settled); undefined before the first */
  settled?: RewardsRootOnChain
  /** the root in its challenge period or frozen; undefined when none */
  open?: RewardsRootOnChain & { frozen: boolean, claimableFrom: number }
}

export type RewardsPostResult =
  | { posted: true, tx: Hex, block: number }
  /**
   * ALREADY_POSTED: this or a later epoch is posted (another member came first); ROOT_OPEN: the previous root is
   * still in its challenge period or frozen; NOT_MINED: sent, but in no block within the receipt timeout (a reorg
   * dropped it, or the chain is slow): the roots say what happened
   */
  | { posted: false, reason: 'ALREADY_POSTED' | 'ROOT_OPEN' | 'NOT_MINED' }

export interface RewardsChain {
  /** E, ReportAnchors' epoch length the distributor follows */
  epochBlocks(options?: AbortOptions): Promise<number>
  /** the deployment's epoch: rewards are computed from it on (budgets accrue from it) */
  firstEpoch(options?: AbortOptions): Promise<number>
  head(options?: AbortOptions): Promise<number>
  roots(options?: AbortOptions): Promise<RewardsRoots>
  /** posts `postRoot(...)` with the operator key; a revert that says another post came first, or must wait, is an answer */
  post(epoch: number, root: Hex, total: bigint, signatures: Hex[], options?: AbortOptions): Promise<RewardsPostResult>
  /** what `account` was paid in all */
  claimed(account: Hex, options?: AbortOptions): Promise<bigint>
  /** `claim(account, cumulative, proof)` from the connected key (anyone may relay); the amount paid */
  claim(account: Hex, cumulative: bigint, proof: Hex[], options?: AbortOptions): Promise<{ tx: Hex, block: number, amount: bigint }>
}

/** Where a wallet's stake comes from (SPEC 17: its VMT votes at the epoch's end block; stake-chain.ts). */
export interface StakeSource {
  /** wallet -> stake at the end of `block` (a past block); wallets with none are absent */
  stakesAt(wallets: readonly Hex[], block: number, options?: AbortOptions): Promise<Map<Hex, bigint>>
}

/** Where the submission deposits come from (SPEC 17 rule 0: SubmissionDeposits' totals; deposit-chain.ts). */
export interface DepositSource {
  /** every wallet that had deposited by the end of `block` (a past block) -> its totals then */
  depositsAt(block: number, options?: AbortOptions): Promise<Map<Hex, DepositTotals>>
  /** `account`'s totals now (what a submitter is told at upload) */
  totals(account: Hex, options?: AbortOptions): Promise<DepositTotals>
}
