// Ends a devnet's current anchor epoch at once, for the e2e files that need an epoch anchored: mining its remaining
// blocks instead of waiting out the devnet's block a second (up to 30 s an epoch). The members still find the
// ended epoch, take turns, sign and post it themselves.
import { blockNumber, mineBlocks } from '#governance/anvil-time.ts'
import { DEVNET_CONFIRMATIONS } from '../../src/devnet/devnet.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { JsonRpcProvider } from 'ethers'

/** mines the current epoch's remaining blocks and the members' confirmation depth past its end; the epoch that ended */
export async function endEpoch (provider: JsonRpcProvider, epochBlocks: number, options: AbortOptions = {}): Promise<number> {
  const head = await blockNumber(provider, options)
  const epoch = Math.floor(head / epochBlocks)
  await mineBlocks(provider, (epoch + 1) * epochBlocks - head + DEVNET_CONFIRMATIONS, options)
  return epoch
}
