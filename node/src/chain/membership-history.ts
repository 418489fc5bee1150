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
  private readonly _changes = new Map<Hex, Change[]>()
  private readonly _candidates = new Map<Hex, MemberInfo>()

  registered (info: MemberInfo): void {
    this._candidates.set(info.operator, info)
  }

  admitted (operator: Hex, block: number): void {
    this._push(operator, { block, member: true })
  }

  removed (operator: Hex, block: number): void {
    this._push(operator, { block, member: false })
  }

  isMemberAt (operator: Hex, block: number): boolean {
    const changes = this._changes.get(operator.toLowerCase() as Hex)
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
    return [...this._changes.keys()].filter((a) => this.isMemberAt(a, block)).sort()
  }

  candidate (operator: Hex): MemberInfo | undefined {
    return this._candidates.get(operator.toLowerCase() as Hex)
  }

  private _push (operator: Hex, change: Change): void {
    const key = operator.toLowerCase() as Hex
    const list = this._changes.get(key) ?? []
    list.push(change)
    this._changes.set(key, list)
  }
}
