// The submission deposits the reward function reads (SPEC 17, rule 0): for every wallet that deposited
// in SubmissionDeposits by a past block, its cumulative deposits and withdrawal requests at that block
// (totalsAt: checkpoints, so any RPC answers for any past block alike). The depositors come from the
// contract's Deposited events, scanned once: each call reads only the blocks after the last one it read, unless
// a reorg replaced that block (a deposit may have moved into blocks already read: then it reads them all again).
import { Contract } from 'ethers'
import { depositsArtifact } from '#governance/artifacts.ts'
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
  /** the hash of block scannedTo when it was read */
  let scannedHash: string | undefined

  const hashAt = async (block: number): Promise<string | undefined> => (await opts.provider.getBlock(block))?.hash ?? undefined

  async function scan (to: number, options: AbortOptions): Promise<void> {
    if (scannedTo >= opts.fromBlock && await hashAt(scannedTo) !== scannedHash) {
      firstDeposit.clear()
      scannedTo = opts.fromBlock - 1
    }
    if (to <= scannedTo) return
    // read before the logs: a reorg while they are read leaves an old hash, and the next call reads again
    const toHash = await hashAt(to)
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
    scannedHash = toHash
  }

  return {
    async depositsAt (block: number, options: AbortOptions = {}): Promise<Map<Hex, DepositTotals>> {
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
