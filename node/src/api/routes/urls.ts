import type { FastifyInstance } from 'fastify'
import type { ApiPorts } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { acceptUrlencodedForms, readForm } from '../form-body.ts'
import { parseUrlId } from '../indicator-ids.ts'
import { findIndicator, indicatorPortOf } from '../indicator-lookup.ts'
import type { ObjectCache } from '../object-cache.ts'
import { sendIndicator } from '../object-responses.ts'
import { contextOf, hasSignature, signedSubmission } from '../signed-submission.ts'
import { baseUrl, requestSignal } from '../request.ts'

/**
 * VirusTotal's URL collection. POST /urls takes the form field `url`; VirusTotal tools do not
 * sign, so such a URL is submitted by this node's operator wallet. A client that signs the
 * Submission itself adds `submitter`, `submitted_at` (ms) and `signature` (and may add `context`).
 */
export function registerUrlRoutes (app: FastifyInstance, ports: ApiPorts, objects: ObjectCache): void {
  app.register(async (scope) => {
    acceptUrlencodedForms(scope)
    scope.post('/api/v3/urls', async (request, reply) => {
      const port = indicatorPortOf(ports)
      const fields = await readForm(request)
      const url = fields.url
      if (url === undefined || url === '') throw new ApiError('BadRequestError', 'expected a form with a "url" field')
      const signal = requestSignal(reply)
      let submitted
      if (hasSignature(fields)) {
        submitted = await port.submitIndicator(signedSubmission('url', url, fields), { signal })
      } else {
        if (port.submitAsOperator === undefined) throw new ApiError('BadRequestError', 'this node takes signed submissions only (submitter, submitted_at, signature)')
        submitted = await port.submitAsOperator({ kind: 'url', subject: url, context: contextOf(fields) }, { signal })
      }
      const id = submitted.analysisId
      return { data: { type: 'analysis', id, links: { self: `${baseUrl(request)}/api/v3/analyses/${id}` } } }
    })
  })

  app.get<{ Params: { id: string } }>('/api/v3/urls/:id', async (request, reply) => {
    const found = await findIndicator(ports, parseUrlId(request.params.id), { signal: requestSignal(reply), limit: 0, label: request.params.id })
    return await sendIndicator(objects, request, reply, ports, found)
  })
}
