import { PORT_ERROR_CODES, type PortErrorCode } from './ports.ts'

/** VirusTotal's error codes that this API answers with, and their HTTP statuses. */
export const VT_ERRORS = {
  BadRequestError: 400,
  InvalidArgumentError: 400,
  AuthenticationRequiredError: 401,
  WrongCredentialsError: 401,
  /** the key lacks a privilege the operation needs (VirusTotal's code for it) */
  ForbiddenError: 403,
  NotFoundError: 404,
  AlreadyExistsError: 409,
  /** VirusTotal answers 413 to an oversize upload; it has no JSON code for it, so we name one */
  RequestEntityTooLargeError: 413,
  QuotaExceededError: 429,
  /** VirusTotal's code for too many requests at once (here: concurrent uploads per key or per node) */
  TooManyRequestsError: 429,
  InternalError: 500,
  TransientError: 503
} as const
export type VtErrorCode = keyof typeof VT_ERRORS

export interface VtErrorBody {
  error: { code: VtErrorCode, message: string }
}

/** An error the API answers with as it is (a VirusTotal error object). */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly code: VtErrorCode
  readonly statusCode: number

  constructor (code: VtErrorCode, message: string) {
    super(message)
    this.code = code
    this.statusCode = VT_ERRORS[code]
  }
}

const PORT_ERRORS: Record<PortErrorCode, ApiError> = {
  SAMPLE_TOO_LARGE: new ApiError('RequestEntityTooLargeError', 'the file is larger than this node accepts'),
  EMPTY_SAMPLE: new ApiError('BadRequestError', 'the file is empty'),
  QUOTA_EXCEEDED: new ApiError('QuotaExceededError', 'quota exceeded, retry later'),
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
 * Maps anything thrown while serving a request to a status and a VT error object. Port errors and
 * fastify's own 4xx errors keep their meaning; everything else is an internal error whose details
 * stay in the log.
 */
export function toVtError (err: unknown): { statusCode: number, body: VtErrorBody, internal: boolean } {
  const e = err as { code?: unknown, statusCode?: unknown, message?: unknown }
  let api: ApiError | undefined
  if (err instanceof ApiError) {
    api = err
  } else if (isPortErrorCode(e?.code)) {
    api = PORT_ERRORS[e.code]
  } else if (typeof e?.code === 'string' && Object.hasOwn(INDICATOR_ERRORS, e.code)) {
    const message = e.code === 'NOT_A_MEMBER' ? 'this node is not a member now and takes no submissions' : String(e.message).slice(0, 300)
    api = new ApiError(INDICATOR_ERRORS[e.code] as VtErrorCode, message)
  } else if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // fastify / multipart client errors: malformed body, bad content type, URI too long, ...
    const message = typeof e.message === 'string' ? e.message : 'bad request'
    if (e.statusCode === 404) api = new ApiError('NotFoundError', message)
    else if (e.statusCode === 413) api = new ApiError('RequestEntityTooLargeError', message)
    else if (e.statusCode === 429) api = new ApiError('QuotaExceededError', message)
    else return { statusCode: e.statusCode, body: { error: { code: 'BadRequestError', message } }, internal: false }
  }
  if (api !== undefined) {
    return { statusCode: api.statusCode, body: { error: { code: api.code, message: api.message } }, internal: false }
  }
  return { statusCode: 500, body: { error: { code: 'InternalError', message: 'internal error' } }, internal: true }
}
