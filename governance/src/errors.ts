export type GovernanceErrorCode = 'NO_PROVIDER' | 'PROPOSAL_NOT_ACTIVE' | 'PROPOSAL_NOT_SUCCEEDED' | 'TRANSACTION_FAILED' |
  'BAD_KEYSTORE' | 'WRONG_PASSPHRASE' | 'BAD_PLAN' | 'UNKNOWN_PROPOSAL' | 'NO_VOTING_POWER' | 'REVERTED' | 'BAD_BALLOT' |
  'BAD_INPUT' | 'WRONG_CHAIN' | 'RPC_UNREACHABLE'

/** A governance flow could not proceed; `code` says which step failed. */
export class GovernanceError extends Error {
  override readonly name = 'GovernanceError'
  readonly code: GovernanceErrorCode
  constructor (code: GovernanceErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
