/**
 * The agents' submission deposits (issue 18): every agent locks the protocol's rule 0 deposit
 * (RewardParams.submissionDeposit, SubmissionDeposits on chain) for each signed report before its epoch
 * ends, so the reward function backs every report. What a backed report gets back and forfeits is not
 * modelled here: it is the reward function's own output (EpochRewards.deposits, protocol/src/rewards/deposits.ts):
 * min(deposit, what the report earned) back, the rest to the pool. Unlike the fee, which is deducted from
 * what a wallet earns and so never reaches a fresh wallet that earns nothing, the deposit is paid up
 * front: it costs the same per report on one wallet or on a thousand.
 */
import type { Hex } from '#protocol/messages.ts'
import type { DepositTotals } from '#protocol/rewards/index.ts'

/** Each wallet's cumulative deposits, as SubmissionDeposits.totalsAt answers at an epoch's end block. */
export class DepositBook {
  readonly #perReport: bigint
  readonly #keep: number
  readonly #cumulative = new Map<Hex, bigint>()
  readonly #atEnd = new Map<number, Map<Hex, DepositTotals>>()

  /** `keep`: epochs a snapshot is asked for after its own (W) */
  constructor (perReport: bigint, keep: number) {
    this.#perReport = perReport
    this.#keep = keep
  }

  /** The wallets of epoch `epoch`'s reports lock one deposit each; then the epoch ends. */
  lock (epoch: number, wallets: readonly Hex[]): void {
    if (this.#perReport > 0n) for (const w of wallets) this.#cumulative.set(w, (this.#cumulative.get(w) ?? 0n) + this.#perReport)
    this.#atEnd.set(epoch, new Map([...this.#cumulative].map(([w, d]) => [w, { deposited: d, withdrawalsRequested: 0n }])))
    this.#atEnd.delete(epoch - this.#keep - 1)
  }

  /** The totals at epoch `epoch`'s end (undefined before the first epoch). */
  at (epoch: number): ReadonlyMap<Hex, DepositTotals> | undefined {
    return this.#atEnd.get(epoch)
  }
}
