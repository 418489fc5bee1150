import { Contract, encodeBytes32String, type Provider } from 'ethers'
import { DEFAULT_FAULT_DIVISOR, DEFAULT_MAX_JOB_AGE_BLOCKS, faultDivisorFrom, maxJobAgeBlocksFrom } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { AbortOptions } from '@libp2p/interface'

/**
 * The SupernodeRegistry reads a light client needs. A human-readable ABI keeps this file
 * independent of the contracts build; the signatures match contracts/src/SupernodeRegistry.sol.
 */
export const REGISTRY_READ_ABI = [
  'function isMemberAt(address account, uint256 blockNumber) view returns (bool)',
  'function membersAt(uint256 blockNumber) view returns (address[])',
  'function enginesAt(address operator, uint256 blockNumber) view returns (string[])'
] as const

/** The NetworkParameters reads (contracts/src/NetworkParameters.sol): a checkpointed value by block. */
export const PARAMETERS_READ_ABI = [
  'function get(bytes32 key) view returns (uint256)',
  'function getAt(bytes32 key, uint256 blockNumber) view returns (uint256)'
] as const

/** The registry did not answer as a SupernodeRegistry does (no contract there, wrong chain or ABI). */
export class RegistryCallError extends Error {
  override readonly name = 'RegistryCallError'
  readonly code = 'REGISTRY_CALL_FAILED'
}

/** Failures that mean "not this contract" rather than "the endpoint is down". */
const NOT_A_REGISTRY = new Set(['CALL_EXCEPTION', 'BAD_DATA'])

async function read<T> (registry: Hex, fn: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (!NOT_A_REGISTRY.has((err as { code?: string }).code ?? '')) throw err
    throw new RegistryCallError(`registry ${registry} did not answer ${fn} (is the deployment file for this chain?)`, { cause: err })
  }
}

/**
 * A NetworkParameters value in force at `block` (undefined when never set). getAt answers only for
 * past blocks; at the head the current value is the one in force, and get reverts on a key never set.
 */
export async function parameterAt (params: Contract, address: Hex, name: string, block: number, head: number): Promise<bigint | undefined> {
  const key = encodeBytes32String(name)
  if (block < head) return await read(address, 'getAt', async () => params.getFunction('getAt').staticCall(key, block)) as bigint
  try {
    return await params.getFunction('get').staticCall(key) as bigint
  } catch (err) {
    if ((err as { code?: string }).code === 'CALL_EXCEPTION') return undefined
    throw err
  }
}

/** What verification reads from the chain, at the provider's latest block. */
export interface RegistryView {
  chainId(): Promise<number>
  blockNumber(): Promise<number>
  isMemberAt(address: Hex, block: number): Promise<boolean>
  membersAt(block: number): Promise<Hex[]>
  /** the engine ids governance registered to `member` at `block` (a past block), sorted ascending; [] when none */
  enginesAt(member: Hex, block: number, options?: AbortOptions): Promise<string[]>
  /** the quorumFaultDivisor in force at `block` (protocol faultDivisorFrom: 3 when never set) */
  faultDivisorAt(block: number): Promise<number>
  /** the maxJobAgeBlocks in force at `block` (protocol maxJobAgeBlocksFrom: 7200 when never set) */
  maxJobAgeBlocksAt(block: number): Promise<number>
  /** the timestamp (seconds) of `block`; undefined while the chain has no such block */
  blockTimestamp(block: number, options?: AbortOptions): Promise<number | undefined>
}

/**
 * `parameters` is the deployment's NetworkParameters; deployments from before it existed have
 * none, and their quorum rule is the default divisor.
 */
export function createRegistryView (provider: Provider, registry: Hex, parameters?: Hex): RegistryView {
  const contract = new Contract(registry, REGISTRY_READ_ABI, provider)
  const params = parameters === undefined ? undefined : new Contract(parameters, PARAMETERS_READ_ABI, provider)
  return {
    async chainId () {
      return Number((await provider.getNetwork()).chainId)
    },
    async blockNumber () {
      return provider.getBlockNumber()
    },
    async isMemberAt (address, block) {
      return Boolean(await read(registry, 'isMemberAt', async () => contract.getFunction('isMemberAt').staticCall(address, block)))
    },
    async membersAt (block) {
      const members = await read(registry, 'membersAt', async () => contract.getFunction('membersAt').staticCall(block)) as string[]
      return members.map((m) => m.toLowerCase() as Hex)
    },
    async enginesAt (member, block, options = {}) {
      options.signal?.throwIfAborted()
      const ids = await read(registry, 'enginesAt', async () => contract.getFunction('enginesAt').staticCall(member, block)) as string[]
      // ethers cannot cancel the call; a caller that gave up gets no answer
      options.signal?.throwIfAborted()
      return [...ids].toSorted()
    },
    async faultDivisorAt (block) {
      if (params === undefined) return DEFAULT_FAULT_DIVISOR
      return faultDivisorFrom(await parameterAt(params, parameters as Hex, 'quorumFaultDivisor', block, await provider.getBlockNumber()))
    },
    async maxJobAgeBlocksAt (block) {
      if (params === undefined) return DEFAULT_MAX_JOB_AGE_BLOCKS
      return maxJobAgeBlocksFrom(await parameterAt(params, parameters as Hex, 'maxJobAgeBlocks', block, await provider.getBlockNumber()))
    },
    async blockTimestamp (block, options = {}) {
      options.signal?.throwIfAborted()
      const header = await provider.getBlock(block)
      options.signal?.throwIfAborted()
      return header === null ? undefined : header.timestamp
    }
  }
}
