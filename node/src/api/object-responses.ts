import type { FastifyReply, FastifyRequest } from 'fastify'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { ApiPorts, FileView, IndicatorView, VoteVerdict } from './ports/index.ts'
import type { ObjectCache } from './object-cache.ts'
import { buildIndicator, indicatorInputs } from './indicator-lookup.ts'
import { fileObject } from './vt-objects.ts'

interface FileInputs {
  file: FileView
  votes?: Record<VoteVerdict, number>
}

const buildFile = ({ file, votes }: FileInputs, baseUrl: string): Record<string, unknown> => fileObject(file, baseUrl, votes)

/** A found file's VirusTotal object with this node's vote totals (GET /files/{id}, /analyses/{id}/item). */
export async function sendFile (objects: ObjectCache, request: FastifyRequest, reply: FastifyReply, ports: ApiPorts, file: FileView): Promise<FastifyReply> {
  const votes = ports.votes === undefined ? undefined : await ports.votes.totals('file', file.sample.sha256)
  return objects.send(request, reply, { type: 'file', id: file.sample.sha256, inputs: { file, votes }, build: buildFile })
}

/** A found indicator's VirusTotal object with this node's vote totals (urls, domains, ip_addresses, VirusMap indicators). */
export async function sendIndicator (
  objects: ObjectCache,
  request: FastifyRequest,
  reply: FastifyReply,
  ports: ApiPorts,
  found: { kind: IndicatorKind, subject: string, view: IndicatorView }
): Promise<FastifyReply> {
  return objects.send(request, reply, { type: found.kind, id: found.subject, inputs: await indicatorInputs(ports, found), build: buildIndicator })
}
