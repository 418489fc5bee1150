import type { Hex } from '#protocol/messages.ts'
import { ageLimitBlock, DEFAULT_JOB_BOUNDS, registrationsOf } from '#protocol/index.ts'
import type { AnchorsView, ChainAnchor } from './anchors-view.ts'
import type { ClockSkewAt } from './clock-skew.ts'
import type { RegistryView } from './registry-view.ts'
import type { AbortOptions } from '@libp2p/interface'

/** What verification needs of the chain at a job's block (SPEC section 12, step 3). */
export interface BlockState {
  /** members at the block, ascending */
  members: Hex[]
  /** engine id -> members at the block whose engines include it, ascending */
  registrations: Record<string, Hex[]>
  faultDivisor: number
  clockSkewMs: number
}

/** How old a job at a block may be (SPEC section 12, step 4), under the rule in force at the head. */
export interface AgeLimit {
  maxJobAgeBlocks: number
  /** membershipBlock + maxJobAgeBlocks: a job created after it was mined is too old for its block */
  limitBlock: number
  /** the limit block's timestamp (seconds); undefined while it is not mined */
  limitTimestamp?: number
}

/** What checking a report's anchor in an epoch needs of the chain (SPEC section 15). */
export interface EpochAnchor {
  /** E, ReportAnchors' immutable epochBlocks */
  epochBlocks: number
  /** the epoch's root on chain; undefined while it has none */
  anchor?: ChainAnchor & {
    /** maxJobAgeBlocks in force at the epoch's first block: the bound its signers held the leaves to */
    maxJobAgeBlocks: number
  }
}

export interface ChainReader {
  chainId(options?: AbortOptions): Promise<number>
  /** the chain's state at `block`; undefined when the block is past the chain's head */
  blockState(block: number, options?: AbortOptions): Promise<BlockState | undefined>
  /** the age limit of a job at `block`, read at the chain's head now */
  ageLimit(block: number, options?: AbortOptions): Promise<AgeLimit>
  /** the epoch's anchor; undefined when the deployment has no ReportAnchors */
  epochAnchor(epoch: number, options?: AbortOptions): Promise<EpochAnchor | undefined>
}

/** Blocks whose state a reader keeps; a light client looks at a handful at a time. */
const MAX_BLOCKS = 256
/**
 * How long the head and its maxJobAgeBlocks are taken as current. A limit block mined within it
 * counts from the next read: a job created in the minute after its limit may pass once, never one
 * created later (the attack of an old block is a job made long after it).
 */
const RULE_TTL_MS = 60_000

/**
 * Reads a block's state once and keeps it: a block at or below the head never changes (reorgs
 * aside, which a light client following a node's reports cannot see either), so a second lookup of
 * a report from the same block asks the chain nothing. One reader per (registry, parameters).
 */
export function createChainReader (view: RegistryView, clockSkewAt: ClockSkewAt = async () => DEFAULT_JOB_BOUNDS.clockSkewMs, anchors?: AnchorsView): ChainReader {
  const states = new Map<number, BlockState>()
  /** posted anchors, which never change (the first root stands) */
  const anchored = new Map<number, NonNullable<EpochAnchor['anchor']>>()
  let epochBlocks: number | undefined
  /** timestamps of mined blocks, which never change */
  const timestamps = new Map<number, number>()
  let rule: { head: number, maxJobAgeBlocks: number, readAt: number } | undefined

  async function currentRule (): Promise<{ head: number, maxJobAgeBlocks: number }> {
    if (rule !== undefined && performance.now() - rule.readAt < RULE_TTL_MS) return rule
    const head = await view.blockNumber()
    rule = { head, maxJobAgeBlocks: await view.maxJobAgeBlocksAt(head), readAt: performance.now() }
    return rule
  }

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
    },
    async ageLimit (block, options = {}) {
      const { signal } = options
      signal?.throwIfAborted()
      // the rule in force now, not at the job's block: an old block must not carry the bound of its own era
      const { head, maxJobAgeBlocks } = await currentRule()
      const limitBlock = ageLimitBlock(block, maxJobAgeBlocks)
      const limitTimestamp = timestamps.get(limitBlock) ?? (limitBlock <= head ? await view.blockTimestamp(limitBlock, { signal }) : undefined)
      if (limitTimestamp === undefined) return { maxJobAgeBlocks, limitBlock }
      if (timestamps.size >= MAX_BLOCKS) timestamps.delete(timestamps.keys().next().value as number)
      timestamps.set(limitBlock, limitTimestamp)
      return { maxJobAgeBlocks, limitBlock, limitTimestamp }
    },
    async epochAnchor (epoch, options = {}) {
      if (anchors === undefined) return undefined
      epochBlocks ??= await anchors.epochBlocks(options)
      const known = anchored.get(epoch)
      if (known !== undefined) return { epochBlocks, anchor: known }
      const onChain = await anchors.anchorOf(epoch, options)
      if (onChain === undefined) return { epochBlocks }
      // anchored means the epoch is over: its first block is in the past, and its parameter fixed
      const anchor = { ...onChain, maxJobAgeBlocks: await view.maxJobAgeBlocksAt(epoch * epochBlocks) }
      if (anchored.size >= MAX_BLOCKS) anchored.delete(anchored.keys().next().value as number)
      anchored.set(epoch, anchor)
      return { epochBlocks, anchor }
    }
  }
}
