import type { FastifyInstance } from 'fastify'
import type { ApiPorts } from '../ports.ts'
import { ApiError } from '../errors.ts'
import { parseAnalysisId } from '../ids.ts'
import { analysisObject } from '../vt-objects.ts'
import { baseUrl, requestSignal } from '../request.ts'

export function registerAnalysisRoutes (app: FastifyInstance, ports: ApiPorts): void {
  app.get<{ Params: { id: string } }>('/api/v3/analyses/:id', async (request, reply) => {
    const id = parseAnalysisId(request.params.id)
    const analysis = await ports.analyses.getAnalysis(id, { signal: requestSignal(reply) })
    if (analysis === undefined) throw new ApiError('NotFoundError', `Analysis "${request.params.id}" not found`)
    return analysisObject(analysis, baseUrl(request))
  })
}
