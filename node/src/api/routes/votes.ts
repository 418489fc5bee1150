import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApiPorts, VoteStore, VoteVerdict, VoteView } from '../ports.ts'
import { ApiError } from '../errors.ts'
import { apiKeyIdOf } from '../api-keys.ts'
import { bareHex, parseFileHash } from '../ids.ts'
import { epochSeconds } from '../vt-objects.ts'
import { requestSignal } from '../request.ts'
import type { Hex } from '../../../../protocol/src/messages.ts'

const VERDICTS: readonly VoteVerdict[] = ['harmless', 'malicious']
const LIMIT = /^[0-9]{1,3}$/

function voteObject (sha256: Hex, v: VoteView): Record<string, unknown> {
  return { type: 'vote', id: `f-${bareHex(sha256)}-${v.voter}`, attributes: { date: epochSeconds(v.date), verdict: v.verdict, value: 1 } }
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

/** VirusTotal's file votes: one per API key per file, kept by this node (not gossiped). */
export function registerVoteRoutes (app: FastifyInstance, ports: ApiPorts, votes: VoteStore): void {
  const knownFile = async (request: FastifyRequest<{ Params: { id: string } }>, signal: AbortSignal): Promise<Hex> => {
    const file = await ports.files.getFile(parseFileHash(request.params.id), { signal })
    if (file === undefined) throw new ApiError('NotFoundError', `File "${request.params.id}" not found`)
    return file.sample.sha256
  }

  app.get<{ Params: { id: string }, Querystring: Record<string, unknown> }>('/api/v3/files/:id/votes', async (request, reply) => {
    const raw = request.query.limit
    if (raw !== undefined && (typeof raw !== 'string' || !LIMIT.test(raw) || Number(raw) < 1 || Number(raw) > 40)) {
      throw new ApiError('InvalidArgumentError', 'limit must be an integer from 1 to 40')
    }
    const sha256 = await knownFile(request, requestSignal(reply))
    const list = await votes.list(sha256, raw === undefined ? 10 : Number(raw))
    return { data: list.map((v) => voteObject(sha256, v)), meta: { count: list.length } }
  })

  app.post<{ Params: { id: string } }>('/api/v3/files/:id/votes', async (request, reply) => {
    const voter = apiKeyIdOf(request)
    if (voter === undefined) throw new ApiError('AuthenticationRequiredError', 'votes are counted per API key, and this node takes none')
    const verdict = parseVote(request.body)
    const sha256 = await knownFile(request, requestSignal(reply))
    const vote: VoteView = { voter, verdict, date: Date.now() }
    if (!(await votes.add(sha256, vote))) throw new ApiError('AlreadyExistsError', 'this API key has already voted on this file')
    return { data: voteObject(sha256, vote) }
  })
}
