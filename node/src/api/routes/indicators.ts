import type { FastifyInstance } from 'fastify'
import { isIndicatorKind } from '#protocol/indicators.ts'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { ApiPorts } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { canonicalSubject } from '../indicator-ids.ts'
import { findIndicator, indicatorPortOf } from '../indicator-lookup.ts'
import type { ObjectCache } from '../object-cache.ts'
import { sendIndicator } from '../object-responses.ts'
import { signedSubmission } from '../signed-submission.ts'
import type { SubmissionFields } from '../signed-submission.ts'
import { baseUrl, requestSignal } from '../request.ts'

function kindOf (raw: unknown): IndicatorKind {
  if (!isIndicatorKind(raw)) throw new ApiError('InvalidArgumentError', 'kind must be url, domain, ip, wallet or script')
  return raw
}

/**
 * VirusMap's indicator collection, for every kind (VirusTotal has none for wallets and page
 * scripts): submissions here must be signed by the submitter's wallet.
 */
export function registerIndicatorRoutes (app: FastifyInstance, ports: ApiPorts, objects: ObjectCache): void {
  app.post('/api/virusmap/indicators', async (request, reply) => {
    const body = request.body as (SubmissionFields & { kind?: unknown, value?: unknown }) | null
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError('BadRequestError', 'expected {"kind","value","context","submitter","submitted_at","signature"}')
    }
    const kind = kindOf(body.kind)
    if (typeof body.value !== 'string' || body.value === '') throw new ApiError('BadRequestError', 'value must be the indicator as a string')
    const submitted = await indicatorPortOf(ports).submitIndicator(signedSubmission(kind, body.value, body), { signal: requestSignal(reply) })
    const id = submitted.analysisId
    return { data: { type: 'analysis', id, links: { self: `${baseUrl(request)}/api/v3/analyses/${id}` } }, meta: { kind, subject: submitted.subject } }
  })

  app.get<{ Params: { kind: string, value: string } }>('/api/virusmap/indicators/:kind/:value', async (request, reply) => {
    const kind = kindOf(request.params.kind)
    const subject = canonicalSubject(kind, request.params.value)
    const found = await findIndicator(ports, { kind, subject }, { signal: requestSignal(reply), limit: 0, label: request.params.value })
    return await sendIndicator(objects, request, reply, ports, found)
  })
}
