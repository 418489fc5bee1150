// Anvil-only cheat calls (anvil_mine, evm_increaseTime, anvil_setBalance) that governance flows
// and tests use to move a local chain past voting periods and timelock delays.
import type { JsonRpcProvider } from 'ethers'
import { toQuantity } from 'ethers'
import type { AbortOptions } from '@libp2p/interface'

/** Mines `blocks` empty blocks at once. */
export async function mineBlocks (provider: JsonRpcProvider, blocks: number | bigint, options: AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  if (BigInt(blocks) <= 0n) return
  await provider.send('anvil_mine', [toQuantity(blocks)])
}

/** Advances the next block's timestamp by `seconds` and mines one block so it takes effect. */
export async function increaseTime (provider: JsonRpcProvider, seconds: number | bigint, options: AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  await provider.send('evm_increaseTime', [toQuantity(seconds)])
  await mineBlocks(provider, 1, options)
}

/** Sets an account's ETH balance (wei). */
export async function setBalance (provider: JsonRpcProvider, address: string, wei: bigint, options: AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  await provider.send('anvil_setBalance', [address, toQuantity(wei)])
}

/** Current block number straight from the node (ethers' getBlockNumber may answer from a short cache). */
export async function blockNumber (provider: JsonRpcProvider, options: AbortOptions = {}): Promise<number> {
  options.signal?.throwIfAborted()
  return Number(BigInt(await provider.send('eth_blockNumber', []) as string))
}
