export type GovernanceErrorCode = 'NO_PROVIDER' | 'PROPOSAL_NOT_ACTIVE' | 'PROPOSAL_NOT_SUCCEEDED' | 'TRANSACTION_FAILED'

/** A governance flow could not proceed; `code` says which step failed. */
export class GovernanceError extends Error {
  override readonly name = 'GovernanceError'
  readonly code: GovernanceErrorCode
  constructor (code: GovernanceErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
