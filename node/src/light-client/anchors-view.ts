import { Contract, type Provider } from 'ethers'
import type { AbortOptions } from '@libp2p/interface'
import { ZERO_BYTES32 } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'

/** The ReportAnchors reads a light client needs (contracts/src/ReportAnchors.sol), human-readable like the registry's. */
export const ANCHORS_READ_ABI = [
  'function anchorOf(uint64 epoch) view returns (bytes32 root, uint32 leafCount, uint64 anchoredAt)',
  'function epochBlocks() view returns (uint256)'
] as const

/** The anchors address did not answer as ReportAnchors does (no contract there, wrong chain or ABI). */
export class AnchorsCallError extends Error {
  override readonly name = 'AnchorsCallError'
  readonly code = 'ANCHORS_CALL_FAILED'
}

/** An epoch's root as the contract holds it. */
export interface ChainAnchor {
  root: Hex
  leafCount: number
  /** the block the root was posted in */
  anchoredAt: number
}

export interface AnchorsView {
  /** E, fixed at the contract's deployment */
  epochBlocks(options?: AbortOptions): Promise<number>
  /** the epoch's anchor; undefined while it has none */
  anchorOf(epoch: number, options?: AbortOptions): Promise<ChainAnchor | undefined>
}

const NOT_ANCHORS = new Set(['CALL_EXCEPTION', 'BAD_DATA'])

async function read<T> (anchors: Hex, fn: string, call: () => Promise<T>, options: AbortOptions): Promise<T> {
  options.signal?.throwIfAborted()
  try {
    const value = await call()
    // ethers cannot cancel the call; a caller that gave up gets no answer
    options.signal?.throwIfAborted()
    return value
  } catch (err) {
    if (!NOT_ANCHORS.has((err as { code?: string }).code ?? '')) throw err
    throw new AnchorsCallError(`anchors contract ${anchors} did not answer ${fn} (is the deployment file for this chain?)`, { cause: err })
  }
}

/** ReportAnchors at `anchors`, the deployment's `contracts.anchors`. */
export function createAnchorsView (provider: Provider, anchors: Hex): AnchorsView {
  const contract = new Contract(anchors, ANCHORS_READ_ABI, provider)
  return {
    async epochBlocks (options = {}) {
      return Number(await read(anchors, 'epochBlocks', async () => contract.getFunction('epochBlocks').staticCall() as Promise<bigint>, options))
    },
    async anchorOf (epoch, options = {}) {
      const [root, leafCount, anchoredAt] = await read(anchors, 'anchorOf', async () =>
        contract.getFunction('anchorOf').staticCall(epoch) as Promise<[string, bigint, bigint]>, options)
      if (anchoredAt === 0n || root === ZERO_BYTES32) return undefined
      return { root: root.toLowerCase() as Hex, leafCount: Number(leafCount), anchoredAt: Number(anchoredAt) }
    }
  }
}
