import type { Hex } from '../../../protocol/src/messages.ts'
import { DEFAULT_JOB_BOUNDS, registrationsOf } from '../../../protocol/src/index.ts'
import type { ClockSkewAt } from './clock-skew.ts'
import type { RegistryView } from './registry-view.ts'

/** What verification needs of the chain at a job's block (SPEC section 12, step 3). */
export interface BlockState {
  /** members at the block, ascending */
  members: Hex[]
  /** engine id -> members at the block whose engines include it, ascending */
  registrations: Record<string, Hex[]>
  faultDivisor: number
  clockSkewMs: number
}

export interface ChainReader {
  chainId(options?: { signal?: AbortSignal }): Promise<number>
  /** the chain's state at `block`; undefined when the block is past the chain's head */
  blockState(block: number, options?: { signal?: AbortSignal }): Promise<BlockState | undefined>
}

/** Blocks whose state a reader keeps; a light client looks at a handful at a time. */
const MAX_BLOCKS = 256

/**
 * Reads a block's state once and keeps it: a block at or below the head never changes (reorgs
 * aside, which a light client following a node's reports cannot see either), so a second lookup of
 * a report from the same block asks the chain nothing. One reader per (registry, parameters).
 */
export function createChainReader (view: RegistryView, clockSkewAt: ClockSkewAt = async () => DEFAULT_JOB_BOUNDS.clockSkewMs): ChainReader {
  const states = new Map<number, BlockState>()

  async function read (block: number, signal: AbortSignal | undefined): Promise<BlockState | undefined> {
    signal?.throwIfAborted()
    const head = await view.blockNumber()
    if (block > head) return undefined
    signal?.throwIfAborted()
    const members = (await view.membersAt(block)).map((m) => m.toLowerCase() as Hex).toSorted()
    const [engines, faultDivisor, clockSkewMs] = await Promise.all([
      Promise.all(members.map(async (m) => await view.enginesAt(m, block, { signal }))),
      view.faultDivisorAt(block),
      clockSkewAt(block, head, { signal })
    ])
    return { members, registrations: registrationsOf(members, engines), faultDivisor, clockSkewMs }
  }

  return {
    chainId: async (options = {}) => {
      options.signal?.throwIfAborted()
      return await view.chainId()
    },
    async blockState (block, options = {}) {
      const known = states.get(block)
      if (known !== undefined) return known
      const state = await read(block, options.signal)
      if (state === undefined) return undefined
      if (states.size >= MAX_BLOCKS) states.delete(states.keys().next().value as number)
      states.set(block, state)
      return state
    }
  }
}
