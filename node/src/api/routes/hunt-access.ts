// What every hunt route does first: the vendor a request names, once its HuntAccess header for this
// node checks out, and a hunt error turned into the API's error. Its own file so the hunt routes and
// the webhook routes (hunt.ts registers hunt-webhook.ts) both take it without importing each other.
import type { FastifyRequest } from 'fastify'
import { HUNT_AUTH_HEADER } from '#protocol/hunt/access.ts'
import { HuntError } from '#protocol/hunt/errors.ts'
import type { HuntErrorCode } from '#protocol/hunt/errors.ts'
import type { Hex } from '#protocol/messages.ts'
import { ApiError } from '../../vt/errors.ts'
import type { VtErrorCode } from '../../vt/errors.ts'
import type { HuntPort } from '../ports/index.ts'

const STATUS: Record<HuntErrorCode, VtErrorCode> = {
  MALFORMED: 'InvalidArgumentError',
  OVERSIZE: 'RequestEntityTooLargeError',
  ID_MISMATCH: 'InvalidArgumentError',
  NO_ORDER: 'ForbiddenError',
  WRONG_ORDER: 'ForbiddenError',
  EXPIRED: 'ForbiddenError',
  FUTURE_BLOCK: 'TransientError',
  NOT_SEALED: 'InvalidArgumentError',
  SEAL_DOES_NOT_OPEN: 'InvalidArgumentError',
  RULES_INVALID: 'InvalidArgumentError',
  COMPILE_TIMEOUT: 'InvalidArgumentError',
  TOO_MANY_RULESETS: 'QuotaExceededError',
  BAD_SIGNATURE: 'InvalidArgumentError',
  BAD_ACCESS: 'WrongCredentialsError',
  ACCESS_EXPIRED: 'WrongCredentialsError',
  RETRO_BUSY: 'TooManyRequestsError',
  UNKNOWN_RULESET: 'NotFoundError'
}

const ADDRESS = /^0x[0-9a-f]{40}$/

export async function huntCall<T> (work: () => Promise<T> | T): Promise<T> {
  try {
    return await work()
  } catch (err) {
    // the code and the module's own message: neither quotes a ruleset's source
    if (err instanceof HuntError) throw new ApiError(STATUS[err.code], `${err.code}: ${err.message}`.slice(0, 300))
    throw err
  }
}

/** the vendor the request names, once its HuntAccess header for this node checks out (else a VT error) */
export function vendorOf (request: FastifyRequest<{ Querystring: { vendor?: unknown } }>, hunt: Pick<HuntPort, 'checkAccess'>): Hex {
  const vendor = request.query.vendor
  if (typeof vendor !== 'string' || !ADDRESS.test(vendor)) throw new ApiError('InvalidArgumentError', 'vendor must be a lowercase 0x address')
  try {
    return hunt.checkAccess(request.headers[HUNT_AUTH_HEADER], vendor as Hex)
  } catch (err) {
    if (err instanceof HuntError) throw new ApiError(STATUS[err.code], `${err.code}: ${err.message}`)
    throw err
  }
}
