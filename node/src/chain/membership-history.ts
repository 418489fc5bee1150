import type { Hex } from '../../../protocol/src/messages.ts'

export interface MemberInfo {
  operator: Hex
  peerId: string
  x25519Key: Hex
  metadataURI: string
}

/** from `block` on, membership lasts until `end` (exclusive): 0 = not a member, Infinity = no term */
interface Change { block: number, end: number }

/**
 * Membership by block, as the registry's checkpoints hold it (value = the block the membership
 * lapses at), rebuilt from its events.
 * Pure: the follower feeds it events in chain order; queries answer for any block up to the
 * last one applied.
 */
export class MembershipHistory {
  readonly #changes = new Map<Hex, Change[]>()
  /** each operator's registrations in block order; the latest is its current info */
  readonly #candidates = new Map<Hex, Array<{ block: number, info: MemberInfo }>>()

  registered (info: MemberInfo, block: number): void {
    const key = info.operator.toLowerCase() as Hex
    const list = this.#candidates.get(key) ?? []
    list.push({ block, info })
    this.#candidates.set(key, list)
  }

  admitted (operator: Hex, block: number): void {
    this.#push(operator, { block, end: Infinity })
  }

  /** a (re)election's term: the membership lapses at `end` with no further event */
  termSet (operator: Hex, block: number, end: number): void {
    this.#push(operator, { block, end })
  }

  removed (operator: Hex, block: number): void {
    this.#push(operator, { block, end: 0 })
  }

  isMemberAt (operator: Hex, block: number): boolean {
    const changes = this.#changes.get(operator.toLowerCase() as Hex)
    if (changes == null) return false
    let end = 0
    for (const c of changes) {
      if (c.block > block) break
      end = c.end
    }
    return end > block
  }

  /** operator addresses of the members at `block`, sorted */
  membersAt (block: number): Hex[] {
    return [...this.#changes.keys()].filter((a) => this.isMemberAt(a, block)).toSorted()
  }

  candidate (operator: Hex): MemberInfo | undefined {
    return this.#candidates.get(operator.toLowerCase() as Hex)?.at(-1)?.info
  }

  /** forgets everything that happened after `block` (a reorg took those blocks away) */
  truncateAfter (block: number): void {
    for (const map of [this.#changes, this.#candidates] as Array<Map<Hex, Array<{ block: number }>>>) {
      for (const [key, list] of map) {
        const kept = list.filter((c) => c.block <= block)
        if (kept.length > 0) map.set(key, kept)
        else map.delete(key)
      }
    }
  }

  #push (operator: Hex, change: Change): void {
    const key = operator.toLowerCase() as Hex
    const list = this.#changes.get(key) ?? []
    list.push(change)
    this.#changes.set(key, list)
  }
}
