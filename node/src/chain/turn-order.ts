import { solidityPackedKeccak256 } from 'ethers'
import type { Hex } from '#protocol/messages.ts'

/**
 * The order in which members take turns at one on-chain task (an evidence proof, a fulfil): ascending by
 * keccak256(seed ‖ member), so the order differs per task and no member always pays the gas or always
 * takes the sender's share. `seed` is 32 bytes naming the task (a jobId, an order id).
 */
export function turnOrder (seed: Hex, members: readonly Hex[]): Hex[] {
  return members.map((m) => m.toLowerCase() as Hex)
    .map((m) => ({ m, key: solidityPackedKeccak256(['bytes32', 'address'], [seed, m]) }))
    .toSorted((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((o) => o.m)
}

/**
 * The latest turn of rank `rank` of `count` that has begun `elapsedMs` after the task became ready: rank r
 * has turns r, r + count, r + 2·count, ..., turn k starting k × turnMs in. Undefined before its first turn,
 * for a rank outside the order, or a turn length that is not positive.
 */
export function latestTurn (rank: number, count: number, elapsedMs: number, turnMs: number): number | undefined {
  if (rank < 0 || rank >= count || elapsedMs < 0 || !(turnMs > 0)) return undefined
  const reached = Math.floor(elapsedMs / turnMs)
  if (reached < rank) return undefined
  return reached - ((reached - rank) % count)
}
