import type { Hex } from '#protocol/messages.ts'

export type QuorumErrorCode = 'NOT_A_MEMBER' | 'NETWORK_BUSY'

/** This node cannot create jobs: it is not a member at the block it has followed to. */
export class NotAMemberError extends Error {
  override name = 'NotAMemberError'
  readonly code: QuorumErrorCode = 'NOT_A_MEMBER'
  constructor (operator: Hex, block: number) {
    super(`operator ${operator} is not a member at block ${block}; only members take uploads`)
  }
}

export const SUBMISSION_ERROR_CODES = ['INVALID_INDICATOR', 'INVALID_CONTEXT', 'INVALID_SUBMITTER_SIGNATURE', 'SUBMISSION_EXPIRED'] as const
export type SubmissionErrorCode = typeof SUBMISSION_ERROR_CODES[number]

/** A submission the node will not turn into a job: the submitter can correct it (HTTP 400). */
export class SubmissionError extends Error {
  override name = 'SubmissionError'
  readonly code: SubmissionErrorCode
  constructor (code: SubmissionErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

/** No admission slot freed in time: this node already has its most jobs open (HTTP 503, retry later). */
export class NetworkBusyError extends Error {
  override name = 'NetworkBusyError'
  readonly code: QuorumErrorCode = 'NETWORK_BUSY'
  constructor (openJobs: number, options?: ErrorOptions) {
    super(`this node has ${openJobs} jobs open; retry later`, options)
  }
}
