import type { Hex, IndicatorKind } from '../../../protocol/src/messages.ts'
import type { IndicatorSubmissionView } from './ports.ts'
import { ApiError } from './errors.ts'

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/
const MS = /^[1-9][0-9]{0,15}$/

/** The submission-signing fields a client may send beside the indicator (form or JSON). */
export interface SubmissionFields {
  context?: unknown
  submitter?: unknown
  /** ms since the epoch, as signed (a number, or its decimal text in a form) */
  submitted_at?: unknown
  signature?: unknown
}

export function hasSignature (fields: SubmissionFields): boolean {
  return fields.submitter !== undefined || fields.submitted_at !== undefined || fields.signature !== undefined
}

export function contextOf (fields: SubmissionFields): string {
  if (fields.context === undefined) return ''
  if (typeof fields.context !== 'string') throw new ApiError('InvalidArgumentError', 'context must be a string')
  return fields.context
}

/**
 * A signed submission's parts, checked for shape only (the node checks the signature itself and
 * answers INVALID_SUBMITTER_SIGNATURE when it is not the submitter's over this indicator).
 */
export function signedSubmission (kind: IndicatorKind, subject: string, fields: SubmissionFields): IndicatorSubmissionView {
  const { submitter, signature } = fields
  const at = fields.submitted_at
  if (typeof submitter !== 'string' || !ADDRESS.test(submitter)) throw new ApiError('BadRequestError', 'submitter must be the signing wallet\'s 0x address')
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) throw new ApiError('BadRequestError', 'signature must be the 65-byte EIP-712 Submission signature in 0x hex')
  const submittedAt = typeof at === 'number' ? at : typeof at === 'string' && MS.test(at) ? Number(at) : Number.NaN
  if (!Number.isSafeInteger(submittedAt) || submittedAt <= 0) throw new ApiError('BadRequestError', 'submitted_at must be the signed time in ms since the epoch')
  return { kind, subject, context: contextOf(fields), submitter: submitter.toLowerCase() as Hex, submittedAt, submitterSignature: signature as Hex }
}
