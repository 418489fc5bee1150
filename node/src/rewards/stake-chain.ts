// A wallet's stake for the reward function (SPEC 17): its VMT votes at the epoch's end block
// (ERC20Votes.getPastVotes), read from VMT's checkpoints, so any RPC answers for any past block alike.
import { Contract } from 'ethers'
import { vmtArtifact } from '#governance/artifacts.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { JsonRpcProvider } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import type { StakeSource } from './ports.ts'

export interface StakeChainOptions {
  provider: JsonRpcProvider
  /** the VMT token */
  vmt: Hex
  /** calls in flight at once */
  concurrency?: number
}

export function createStakeChain (opts: StakeChainOptions): StakeSource {
  const token = new Contract(opts.vmt, vmtArtifact.abi, opts.provider)
  const concurrency = opts.concurrency ?? 8
  return {
    async stakesAt (wallets: readonly Hex[], block: number, options: AbortOptions = {}): Promise<Map<Hex, bigint>> {
      const stakes = new Map<Hex, bigint>()
      for (let i = 0; i < wallets.length; i += concurrency) {
        options.signal?.throwIfAborted()
        const batch = wallets.slice(i, i + concurrency)
        const votes = await Promise.all(batch.map(async (w) => await token.getFunction('getPastVotes')(w, block) as bigint))
        batch.forEach((w, j) => { if ((votes[j] as bigint) > 0n) stakes.set(w, votes[j] as bigint) })
      }
      return stakes
    }
  }
}
