import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApiPorts, VoteStore, VoteVerdict, VoteView } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { apiKeyIdOf } from '../api-keys.ts'
import { bareHex, parseFileHash } from '../ids.ts'
import { canonicalSubject, indicatorId, parseUrlId } from '../indicator-ids.ts'
import type { IndicatorKey } from '../indicator-ids.ts'
import { findIndicator } from '../indicator-lookup.ts'
import { epochSeconds } from '../../vt/report-attributes.ts'
import { requestSignal } from '../request.ts'
import { indicatorSha256 } from '#protocol/indicators.ts'
import type { Hex, SampleKind } from '#protocol/messages.ts'

const VERDICTS: readonly VoteVerdict[] = ['harmless', 'malicious']
const LIMIT = /^[0-9]{1,3}$/

/** The object voted on: its kind and sha256 (the vote store's key), and its id in VirusTotal's vote ids. */
interface VoteTarget { kind: SampleKind, sha256: Hex, id: string }

/** VirusTotal's vote ids start with the collection's letter: f-<sha256>-<voter>, u-, d-, i- */
const ID_PREFIX: Record<SampleKind, string> = { file: 'f', url: 'u', domain: 'd', ip: 'i', wallet: 'w', script: 's' }

function voteObject (target: VoteTarget, v: VoteView): Record<string, unknown> {
  return { type: 'vote', id: `${ID_PREFIX[target.kind]}-${target.id}-${v.voter}`, attributes: { date: epochSeconds(v.date), verdict: v.verdict, value: 1 } }
}

function parseVote (body: unknown): VoteVerdict {
  const data = (body as { data?: unknown } | null)?.data as { type?: unknown, attributes?: { verdict?: unknown } } | undefined
  if (data === null || typeof data !== 'object' || data.type !== 'vote' || typeof data.attributes !== 'object' || data.attributes === null) {
    throw new ApiError('BadRequestError', 'expected {"data":{"type":"vote","attributes":{"verdict":"harmless"|"malicious"}}}')
  }
  const verdict = data.attributes.verdict
  if (typeof verdict !== 'string' || !(VERDICTS as readonly string[]).includes(verdict)) {
    throw new ApiError('InvalidArgumentError', 'verdict must be "harmless" or "malicious"')
  }
  return verdict as VoteVerdict
}

type Resolve = (request: FastifyRequest<{ Params: { id: string } }>, signal: AbortSignal) => Promise<VoteTarget>

/** VirusTotal's votes on files, URLs, domains and IP addresses: one per API key per object, kept by this node (not gossiped). */
export function registerVoteRoutes (app: FastifyInstance, ports: ApiPorts, votes: VoteStore): void {
  const knownFile: Resolve = async (request, signal) => {
    const file = await ports.files.getFile(parseFileHash(request.params.id), { signal })
    if (file === undefined) throw new ApiError('NotFoundError', `File "${request.params.id}" not found`)
    return { kind: 'file', sha256: file.sample.sha256, id: bareHex(file.sample.sha256) }
  }
  // an indicator gets votes once the node knows it (submitted, reported or seen in a file), as files do
  const knownIndicator = (keyOf: (id: string) => IndicatorKey): Resolve => async (request, signal) => {
    const found = await findIndicator(ports, keyOf(request.params.id), { signal, limit: 0, label: request.params.id })
    return { kind: found.kind, sha256: indicatorSha256(found.subject), id: indicatorId(found.kind, found.subject) }
  }
  const collections: Array<[string, Resolve]> = [
    ['files', knownFile],
    ['urls', knownIndicator(parseUrlId)],
    ['domains', knownIndicator((id) => ({ kind: 'domain', subject: canonicalSubject('domain', id) }))],
    ['ip_addresses', knownIndicator((id) => ({ kind: 'ip', subject: canonicalSubject('ip', id) }))]
  ]

  for (const [name, resolve] of collections) {
    app.get<{ Params: { id: string }, Querystring: Record<string, unknown> }>(`/api/v3/${name}/:id/votes`, async (request, reply) => {
      const raw = request.query.limit
      if (raw !== undefined && (typeof raw !== 'string' || !LIMIT.test(raw) || Number(raw) < 1 || Number(raw) > 40)) {
        throw new ApiError('InvalidArgumentError', 'limit must be an integer from 1 to 40')
      }
      const target = await resolve(request, requestSignal(reply))
      const list = await votes.list(target.kind, target.sha256, raw === undefined ? 10 : Number(raw))
      return { data: list.map((v) => voteObject(target, v)), meta: { count: list.length } }
    })

    app.post<{ Params: { id: string } }>(`/api/v3/${name}/:id/votes`, async (request, reply) => {
      const voter = apiKeyIdOf(request)
      if (voter === undefined) throw new ApiError('AuthenticationRequiredError', 'votes are counted per API key, and this node takes none')
      const verdict = parseVote(request.body)
      const target = await resolve(request, requestSignal(reply))
      const vote: VoteView = { voter, verdict, date: Date.now() }
      if (!(await votes.add(target.kind, target.sha256, vote))) throw new ApiError('AlreadyExistsError', 'this API key has already voted on this object')
      return { data: voteObject(target, vote) }
    })
  }
}
