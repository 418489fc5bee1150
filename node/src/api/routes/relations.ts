import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { urlNetworkLocation } from '#protocol/indicators.ts'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { ApiPorts } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { bareHex, parseFileHash } from '../ids.ts'
import { canonicalSubject, parseUrlId } from '../indicator-ids.ts'
import type { IndicatorKey } from '../indicator-ids.ts'
import { findIndicator, indicatorPortOf, indicatorResponse } from '../indicator-lookup.ts'
import { collection, MAX_OFFSET, parsePage } from '../collections.ts'
import { fileObject } from '../vt-objects.ts'
import { indicatorDescriptor } from '../vt-indicator-objects.ts'
import { baseUrl, requestSignal } from '../request.ts'

type Req = FastifyRequest<{ Params: { id: string }, Querystring: Record<string, unknown> }>

/** What a file carries, per VirusTotal relationship name */
const EMBEDDED: Record<string, IndicatorKind> = { embedded_urls: 'url', embedded_domains: 'domain', embedded_ips: 'ip' }
/** A file's relations are bounded where they are extracted (MAX_RELATED_INDICATORS): one read covers them all. */
const FILE_RELATIONS_READ = 200

/**
 * VirusTotal's relationships: a URL's network_location, and from static extraction: the URLs, domains and IPs members' engines
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

  // VirusTotal's network_location: the domain or IP address a URL's host names, embedded when this
  // node knows it (its analysis is a job the URL's origin submitted), else only named; null for a
  // URL without a host (data:, javascript:)
  app.get('/api/v3/urls/:id/network_location', async (request: Req, reply: FastifyReply) => {
    const signal = requestSignal(reply)
    const url = await findIndicator(ports, parseUrlId(request.params.id), { signal, limit: 0, label: request.params.id })
    const base = baseUrl(request)
    const links = { self: `${base}${request.url.split('?')[0]}` }
    const location = urlNetworkLocation(url.subject)
    if (location === undefined) return { data: null, links, meta: { count: 0 } }
    const view = await ports.indicators?.getIndicator(location.kind, location.subject, { signal, limit: 1 })
    const data = view === undefined
      ? indicatorDescriptor(location.kind, location.subject, base)
      : (await indicatorResponse(ports, { ...location, view }, base) as { data: unknown }).data
    return { data, links, meta: { count: 1 } }
  })
  app.get('/api/v3/urls/:id/relationships/network_location', async (request: Req, reply: FastifyReply) => {
    const url = await findIndicator(ports, parseUrlId(request.params.id), { signal: requestSignal(reply), limit: 0, label: request.params.id })
    const base = baseUrl(request)
    const self = `${base}${request.url.split('?')[0]}`
    const location = urlNetworkLocation(url.subject)
    const links = { self, related: self.replace('/relationships/', '/') }
    if (location === undefined) return { data: null, links, meta: { count: 0 } }
    const { type, id } = indicatorDescriptor(location.kind, location.subject, base)
    return { data: { type, id }, links, meta: { count: 1 } }
  })

  // VirusTotal's urls of a domain or IP address: the submitted URLs whose host it is
  const urlsOn = (kind: 'domain' | 'ip') => async (request: Req, reply: FastifyReply) => {
    const page = parsePage(request.query)
    const subject = canonicalSubject(kind, request.params.id)
    const signal = requestSignal(reply)
    const urls = await indicatorPortOf(ports).urlsOn?.(kind, subject, { signal, limit: Math.min(page.offset + page.limit + 1, MAX_OFFSET + 1) }) ?? []
    // no URL on it: NotFoundError unless the host is known by itself
    if (urls.length === 0) await findIndicator(ports, { kind, subject }, { signal, limit: 0, label: request.params.id })
    const base = baseUrl(request)
    const items = await Promise.all(urls.slice(page.offset).map(async (url) => {
      const view = await ports.indicators?.getIndicator('url', url, { signal, limit: 0 })
      return view === undefined ? indicatorDescriptor('url', url, base) : (await indicatorResponse(ports, { kind: 'url', subject: url, view }, base) as { data: unknown }).data
    }))
    return collection(items, page, `${base}${request.url.split('?')[0]}`)
  }
  app.get('/api/v3/domains/:id/urls', urlsOn('domain'))
  app.get('/api/v3/ip_addresses/:id/urls', urlsOn('ip'))

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
