import type { FastifyInstance } from 'fastify'
import type { ApiPorts } from '../ports/index.ts'
import { canonicalSubject } from '../indicator-ids.ts'
import { findIndicator } from '../indicator-lookup.ts'
import { requestSignal } from '../request.ts'
import type { ObjectCache } from '../object-cache.ts'
import { sendIndicator } from '../object-responses.ts'

/**
 * VirusTotal's domain and IP address objects. The host of a submitted URL is one: the URL job's
 * origin submits it as a job of its own (quorum/derived-indicators.ts). A name nobody submitted,
 * no URL named and no member found in a file is NotFoundError: the node has nothing to say of it
 * (VirusTotal answers with its passive DNS and WHOIS, which the network does not collect).
 */
export function registerDomainRoutes (app: FastifyInstance, ports: ApiPorts, objects: ObjectCache): void {
  app.get<{ Params: { domain: string } }>('/api/v3/domains/:domain', async (request, reply) => {
    const subject = canonicalSubject('domain', request.params.domain)
    const found = await findIndicator(ports, { kind: 'domain', subject }, { signal: requestSignal(reply), limit: 0, label: request.params.domain })
    return await sendIndicator(objects, request, reply, ports, found)
  })

  app.get<{ Params: { ip: string } }>('/api/v3/ip_addresses/:ip', async (request, reply) => {
    const subject = canonicalSubject('ip', request.params.ip)
    const found = await findIndicator(ports, { kind: 'ip', subject }, { signal: requestSignal(reply), limit: 0, label: request.params.ip })
    return await sendIndicator(objects, request, reply, ports, found)
  })
}
