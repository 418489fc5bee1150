// The submission deposits the reward function reads (SPEC 17, rule 0): for every wallet that deposited
// in SubmissionDeposits by a past block, its cumulative deposits and withdrawal requests at that block
// (totalsAt: checkpoints, so any RPC answers for any past block alike). The depositors come from the
// contract's Deposited events, scanned once: each call reads only the blocks after the last one it read.
import { Contract } from 'ethers'
import { depositsArtifact } from '../../../governance/src/artifacts.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { JsonRpcProvider } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import type { DepositTotals } from '#protocol/rewards/index.ts'
import type { DepositSource } from './ports.ts'

export interface DepositChainOptions {
  provider: JsonRpcProvider
  /** the SubmissionDeposits contract */
  address: Hex
  /** the deployment's first block: no deposit is older */
  fromBlock: number
  /** blocks per getLogs call */
  logRange?: number
  /** calls in flight at once */
  concurrency?: number
}

export function createDepositChain (opts: DepositChainOptions): DepositSource {
  const contract = new Contract(opts.address, depositsArtifact.abi, opts.provider)
  const range = opts.logRange ?? 10_000
  const concurrency = opts.concurrency ?? 8
  /** depositor -> the first block it deposited in */
  const firstDeposit = new Map<Hex, number>()
  let scannedTo = opts.fromBlock - 1

  async function scan (to: number, options: AbortOptions): Promise<void> {
    const filter = contract.getEvent('Deposited')
    for (let from = scannedTo + 1; from <= to; from += range) {
      options.signal?.throwIfAborted()
      const until = Math.min(to, from + range - 1)
      for (const log of await contract.queryFilter(filter, from, until)) {
        const parsed = contract.interface.parseLog(log)
        if (parsed === null) continue
        const account = (parsed.args[0] as string).toLowerCase() as Hex
        if (!firstDeposit.has(account)) firstDeposit.set(account, log.blockNumber)
      }
      scannedTo = until
    }
  }

  return {
    async depositsAt (block: number, options: AbortOptions = {}): Promise<Map<Hex, DepositTotals>> {
      // the caller reads only blocks past its confirmation depth, so what was scanned stays
      await scan(block, options)
      const wallets = [...firstDeposit].filter(([, at]) => at <= block).map(([w]) => w).toSorted()
      const out = new Map<Hex, DepositTotals>()
      for (let i = 0; i < wallets.length; i += concurrency) {
        options.signal?.throwIfAborted()
        const batch = wallets.slice(i, i + concurrency)
        const totals = await Promise.all(batch.map(async (w) => await contract.getFunction('totalsAt')(w, block) as [bigint, bigint]))
        batch.forEach((w, j) => {
          const [deposited, withdrawalsRequested] = totals[j] as [bigint, bigint]
          out.set(w, { deposited, withdrawalsRequested })
        })
      }
      return out
    },
    async totals (account: Hex, options: AbortOptions = {}): Promise<DepositTotals> {
      options.signal?.throwIfAborted()
      const [deposited, withdrawalsRequested] = await contract.getFunction('totals')(account) as [bigint, bigint]
      return { deposited, withdrawalsRequested }
    }
  }
}
