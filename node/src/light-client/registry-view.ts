import { Contract, type Provider } from 'ethers'
import type { Hex } from '../../../protocol/src/messages.ts'

/**
 * The two SupernodeRegistry reads a light client needs. A human-readable ABI keeps this file
 * independent of the contracts build; the signatures match contracts/src/SupernodeRegistry.sol.
 */
export const REGISTRY_READ_ABI = [
  'function isMemberAt(address account, uint256 blockNumber) view returns (bool)',
  'function membersAt(uint256 blockNumber) view returns (address[])'
] as const

/** What verification reads from the chain, at the provider's latest block. */
export interface RegistryView {
  chainId(): Promise<number>
  blockNumber(): Promise<number>
  isMemberAt(address: Hex, block: number): Promise<boolean>
  membersAt(block: number): Promise<Hex[]>
}

export function createRegistryView (provider: Provider, registry: Hex): RegistryView {
  const contract = new Contract(registry, REGISTRY_READ_ABI, provider)
  return {
    async chainId () {
      return Number((await provider.getNetwork()).chainId)
    },
    async blockNumber () {
      return provider.getBlockNumber()
    },
    async isMemberAt (address, block) {
      return Boolean(await contract.getFunction('isMemberAt').staticCall(address, block))
    },
    async membersAt (block) {
      const members = await contract.getFunction('membersAt').staticCall(block) as string[]
      return members.map((m) => m.toLowerCase() as Hex)
    }
  }
}
