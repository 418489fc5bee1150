import type { Hex } from '../../../protocol/src/messages.ts'

export type QuorumErrorCode = 'NOT_A_MEMBER'

/** This node cannot create jobs: it is not a member at the block it has followed to. */
export class NotAMemberError extends Error {
  override name = 'NotAMemberError'
  readonly code: QuorumErrorCode = 'NOT_A_MEMBER'
  constructor (operator: Hex, block: number) {
    super(`operator ${operator} is not a member at block ${block}; only members take uploads`)
  }
}
