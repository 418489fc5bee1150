import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IndicatorKind } from '../../../../protocol/src/messages.ts'
import type { ApiPorts } from '../ports.ts'
import { ApiError } from '../errors.ts'
import { bareHex, parseFileHash } from '../ids.ts'
import { canonicalSubject, parseUrlId } from '../indicator-ids.ts'
import type { IndicatorKey } from '../indicator-ids.ts'
import { findIndicator, indicatorPortOf, indicatorResponse } from '../indicator-lookup.ts'
import { collection, MAX_OFFSET, parsePage } from '../collections.ts'
import { fileObject } from '../vt-objects.ts'
import { baseUrl, requestSignal } from '../request.ts'

type Req = FastifyRequest<{ Params: { id: string }, Querystring: Record<string, unknown> }>

/** What a file carries, per VirusTotal relationship name */
const EMBEDDED: Record<string, IndicatorKind> = { embedded_urls: 'url', embedded_domains: 'domain', embedded_ips: 'ip' }
/** A file's relations are bounded where they are extracted (MAX_RELATED_INDICATORS): one read covers them all. */
const FILE_RELATIONS_READ = 200

/**
 * VirusTotal's relationships from static extraction: the URLs, domains and IPs members' engines
 * found inside a file, and the other way round the files found to contain an indicator
 * (referrer_files). VirusTotal's communicating_files needs a sandbox the network does not run.
 */
export function registerRelationRoutes (app: FastifyInstance, ports: ApiPorts): void {
  const referrerFiles = (keyOf: (id: string) => IndicatorKey) => async (request: Req, reply: FastifyReply) => {
    const page = parsePage(request.query)
    const key = keyOf(request.params.id)
    const signal = requestSignal(reply)
    const found = await findIndicator(ports, key, { signal, limit: Math.min(page.offset + page.limit + 1, MAX_OFFSET + 1), label: request.params.id })
    const base = baseUrl(request)
    const items = await Promise.all(found.view.relatedFiles.slice(page.offset).map(async (sha256) => {
      const file = await ports.files.getFile(sha256, { signal })
      // related on another node's report: the id is all this node can give
      return file === undefined ? { type: 'file', id: bareHex(sha256) } : (fileObject(file, base) as { data: unknown }).data
    }))
    return collection(items, page, `${base}${request.url.split('?')[0]}`)
  }

  app.get('/api/v3/urls/:id/referrer_files', referrerFiles((id) => parseUrlId(id)))
  app.get('/api/v3/domains/:id/referrer_files', referrerFiles((id) => ({ kind: 'domain', subject: canonicalSubject('domain', id) })))
  app.get('/api/v3/ip_addresses/:id/referrer_files', referrerFiles((id) => ({ kind: 'ip', subject: canonicalSubject('ip', id) })))

  for (const [name, kind] of Object.entries(EMBEDDED)) {
    app.get(`/api/v3/files/:id/${name}`, async (request: Req, reply: FastifyReply) => {
      const page = parsePage(request.query)
      const hash = parseFileHash(request.params.id)
      const signal = requestSignal(reply)
      const port = indicatorPortOf(ports)
      const file = await ports.files.getFile(hash, { signal })
      if (file === undefined) throw new ApiError('NotFoundError', `File "${request.params.id}" not found`)
      const related = (await port.relatedIndicators(file.sample.sha256, { signal, limit: FILE_RELATIONS_READ })).filter((r) => r.kind === kind)
      const base = baseUrl(request)
      const items = await Promise.all(related.slice(page.offset, page.offset + page.limit + 1).map(async (r) => {
        const found = await findIndicator(ports, r, { signal, limit: 0, label: r.subject })
        return (await indicatorResponse(ports, found, base) as { data: unknown }).data
      }))
      return collection(items, page, `${base}${request.url.split('?')[0]}`)
    })
  }
}
