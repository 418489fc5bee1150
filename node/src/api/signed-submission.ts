import type { FileSubmission } from '#protocol/index.ts'
import type { Hex, IndicatorKind } from '#protocol/messages.ts'
import type { IndicatorSubmissionView } from './ports/index.ts'
import { ApiError } from '../vt/errors.ts'

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

/** A multipart field's text value, as @fastify/multipart lists the fields sent before the file (a repeated field is refused). */
function formValue (fields: Record<string, unknown>, name: string): unknown {
  if (!Object.hasOwn(fields, name)) return undefined
  const field = fields[name] as { type?: unknown, value?: unknown } | unknown[]
  if (Array.isArray(field) || typeof field !== 'object' || field === null || field.type !== 'field') {
    throw new ApiError('BadRequestError', `${name} must be one text field before the file`)
  }
  return field.value
}

const HASH = /^0x[0-9a-fA-F]{64}$/

/**
 * A file upload's signed submission from the form fields sent before the file (sha256, submitter,
 * submitted_at, signature, context), checked for shape only (the node checks the signature and the
 * bytes, protocol checkFileSubmission); undefined for an anonymous upload.
 */
export function fileSubmissionOf (fields: Record<string, unknown> | undefined): FileSubmission | undefined {
  if (fields === undefined) return undefined
  const read: SubmissionFields & { sha256?: unknown } = {
    context: formValue(fields, 'context'),
    submitter: formValue(fields, 'submitter'),
    submitted_at: formValue(fields, 'submitted_at'),
    signature: formValue(fields, 'signature'),
    sha256: formValue(fields, 'sha256')
  }
  if (!hasSignature(read) && read.sha256 === undefined) return undefined
  if (typeof read.sha256 !== 'string' || !HASH.test(read.sha256)) throw new ApiError('BadRequestError', 'sha256 must be the signed file\'s sha256 in 0x hex')
  // the indicator parser's checks hold for a file's fields too; its subject is unused here
  const s = signedSubmission('url', '', read)
  return { sha256: read.sha256.toLowerCase() as Hex, context: s.context, submitter: s.submitter, submittedAt: s.submittedAt, signature: s.submitterSignature }
}
