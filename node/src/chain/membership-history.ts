import { BlockHistory } from './block-history.ts'
import type { Hex } from '#protocol/messages.ts'

export interface MemberInfo {
  operator: Hex
  peerId: string
  x25519Key: Hex
  metadataURI: string
}

const key = (operator: Hex): Hex => operator.toLowerCase() as Hex

/**
 * Membership by block, as the registry's checkpoints hold it (value = the block the membership
 * lapses at, exclusive: 0 = not a member, Infinity = no term), rebuilt from its events.
 * Pure: the follower feeds it events in chain order; queries answer for any block up to the
 * last one applied.
 */
export class MembershipHistory {
  readonly #ends = new BlockHistory<Hex, number>()
  /** each operator's registrations in block order; the latest is its current info */
  readonly #candidates = new BlockHistory<Hex, MemberInfo>()

  registered (info: MemberInfo, block: number): void {
    this.#candidates.set(key(info.operator), block, info)
  }

  admitted (operator: Hex, block: number): void {
    this.#ends.set(key(operator), block, Infinity)
  }

  /** a (re)election's term: the membership lapses at `end` with no further event */
  termSet (operator: Hex, block: number, end: number): void {
    this.#ends.set(key(operator), block, end)
  }

  removed (operator: Hex, block: number): void {
    this.#ends.set(key(operator), block, 0)
  }

  isMemberAt (operator: Hex, block: number): boolean {
    return (this.#ends.at(key(operator), block) ?? 0) > block
  }

  /** operator addresses of the members at `block`, sorted */
  membersAt (block: number): Hex[] {
    return this.#ends.keys().filter((a) => this.isMemberAt(a, block)).toSorted()
  }

  candidate (operator: Hex): MemberInfo | undefined {
    return this.#candidates.latest(key(operator))
  }

  /** forgets everything that happened after `block` (a reorg took those blocks away) */
  truncateAfter (block: number): void {
    this.#ends.truncateAfter(block)
    this.#candidates.truncateAfter(block)
  }
}
