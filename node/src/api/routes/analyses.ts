import type { FastifyInstance } from 'fastify'
import type { ApiPorts } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { parseAnalysisId } from '../ids.ts'
import { analysisObject } from '../vt-objects.ts'
import { baseUrl, requestSignal } from '../request.ts'
import { findIndicator } from '../indicator-lookup.ts'
import type { ObjectCache } from '../object-cache.ts'
import { sendFile, sendIndicator } from '../object-responses.ts'

export function registerAnalysisRoutes (app: FastifyInstance, ports: ApiPorts, objects: ObjectCache): void {
  app.get<{ Params: { id: string } }>('/api/v3/analyses/:id', async (request, reply) => {
    const id = parseAnalysisId(request.params.id)
    const analysis = await ports.analyses.getAnalysis(id, { signal: requestSignal(reply) })
    if (analysis === undefined) throw new ApiError('NotFoundError', `Analysis "${request.params.id}" not found`)
    return analysisObject(analysis, baseUrl(request))
  })

  // VirusTotal's /analyses/{id}/item: the object the analysis is about (a file, or an indicator's object), as its own route answers
  app.get<{ Params: { id: string } }>('/api/v3/analyses/:id/item', async (request, reply) => {
    const id = parseAnalysisId(request.params.id)
    const signal = requestSignal(reply)
    const analysis = await ports.analyses.getAnalysis(id, { signal })
    if (analysis === undefined) throw new ApiError('NotFoundError', `Analysis "${request.params.id}" not found`)
    if (analysis.kind !== undefined && analysis.kind !== 'file' && analysis.subject !== undefined) {
      const found = await findIndicator(ports, { kind: analysis.kind, subject: analysis.subject }, { signal, limit: 0, label: analysis.subject })
      return await sendIndicator(objects, request, reply, ports, found)
    }
    const file = await ports.files.getFile(analysis.sha256, { signal })
    if (file === undefined) throw new ApiError('NotFoundError', `the file of analysis "${request.params.id}" is not held by this node`)
    return await sendFile(objects, request, reply, ports, file)
  })
}
