/**
 * VirusTotal's error objects: the codes and statuses every HTTP face of the node (the API, the
 * operator's admin endpoint) answers with, and the one mapping from a thrown error to such an object.
 */
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

/**
 * Maps anything thrown while serving a request to a status and a VT error object: an ApiError as it
 * is, fastify's own 4xx errors with their meaning; everything else is an internal error whose
 * details stay in the log.
 */
export function vtErrorOf (err: unknown): { statusCode: number, body: VtErrorBody, internal: boolean } {
  const e = err as { statusCode?: unknown, message?: unknown }
  let api: ApiError | undefined
  if (err instanceof ApiError) {
    api = err
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
