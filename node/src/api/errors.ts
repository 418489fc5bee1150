import { PORT_ERROR_CODES, type PortErrorCode } from './ports/index.ts'
import { ApiError, vtErrorOf, type VtErrorBody, type VtErrorCode } from '../vt/errors.ts'

const PORT_ERRORS: Record<PortErrorCode, ApiError> = {
  SAMPLE_TOO_LARGE: new ApiError('RequestEntityTooLargeError', 'the file is larger than this node accepts'),
  UNAVAILABLE: new ApiError('TransientError', 'the node cannot serve this now, retry later')
}

/**
 * Indicator submissions and lookups the submitter can correct (their message says what is wrong,
 * and never echoes more than a short slice of the input), and a node that takes no submissions.
 */
const INDICATOR_ERRORS: Record<string, VtErrorCode> = {
  INVALID_INDICATOR: 'InvalidArgumentError',
  INVALID_CONTEXT: 'InvalidArgumentError',
  INVALID_SUBMITTER_SIGNATURE: 'BadRequestError',
  SUBMISSION_EXPIRED: 'BadRequestError',
  NOT_A_MEMBER: 'TransientError',
  NETWORK_BUSY: 'TransientError'
}

function isPortErrorCode (code: unknown): code is PortErrorCode {
  return typeof code === 'string' && (PORT_ERROR_CODES as readonly string[]).includes(code)
}

/**
 * Maps anything thrown while serving an API request to a status and a VT error object: port errors
 * and indicator errors keep their meaning, the rest as vtErrorOf maps it.
 */
export function toVtError (err: unknown): { statusCode: number, body: VtErrorBody, internal: boolean } {
  const e = err as { code?: unknown, message?: unknown }
  if (isPortErrorCode(e?.code)) return vtErrorOf(PORT_ERRORS[e.code])
  if (typeof e?.code === 'string' && Object.hasOwn(INDICATOR_ERRORS, e.code)) {
    const message = e.code === 'NOT_A_MEMBER' ? 'this node is not a member now and takes no submissions' : String(e.message).slice(0, 300)
    return vtErrorOf(new ApiError(INDICATOR_ERRORS[e.code] as VtErrorCode, message))
  }
  return vtErrorOf(err)
}
