import type { Hex } from '../../../protocol/src/messages.ts'

export interface MemberInfo {
  operator: Hex
  peerId: string
  x25519Key: Hex
  metadataURI: string
}

interface Change { block: number, member: boolean }

/**
 * Membership by block, as the registry's checkpoints hold it, rebuilt from its events.
 * Pure: the follower feeds it events in chain order; queries answer for any block up to the
 * last one applied.
 */
export class MembershipHistory {
  readonly #changes = new Map<Hex, Change[]>()
  readonly #candidates = new Map<Hex, MemberInfo>()

  registered (info: MemberInfo): void {
    this.#candidates.set(info.operator, info)
  }

  admitted (operator: Hex, block: number): void {
    this.#push(operator, { block, member: true })
  }

  removed (operator: Hex, block: number): void {
    this.#push(operator, { block, member: false })
  }

  isMemberAt (operator: Hex, block: number): boolean {
    const changes = this.#changes.get(operator.toLowerCase() as Hex)
    if (changes == null) return false
    let member = false
    for (const c of changes) {
      if (c.block > block) break
      member = c.member
    }
    return member
  }

  /** operator addresses of the members at `block`, sorted */
  membersAt (block: number): Hex[] {
    return [...this.#changes.keys()].filter((a) => this.isMemberAt(a, block)).toSorted()
  }

  candidate (operator: Hex): MemberInfo | undefined {
    return this.#candidates.get(operator.toLowerCase() as Hex)
  }

  #push (operator: Hex, change: Change): void {
    const key = operator.toLowerCase() as Hex
    const list = this.#changes.get(key) ?? []
    list.push(change)
    this.#changes.set(key, list)
  }
}
