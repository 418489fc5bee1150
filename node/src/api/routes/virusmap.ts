import type { FastifyInstance } from 'fastify'
import type { EvidenceReader, EvidenceView, NetworkMember, NetworkReader } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { fileType } from '../vt-objects.ts'
import { epochSeconds, vtStats } from '../../vt/report-attributes.ts'
import { bareHex } from '../ids.ts'
import { requestSignal } from '../request.ts'
import type { Hex } from '#protocol/messages.ts'

const MAX_RECENT = 100
const DEFAULT_RECENT = 20
const BLOCK = /^[0-9]{1,15}$/
const LIMIT = /^[0-9]{1,3}$/
const MEMBER = /^(?:0x)?[0-9a-f]{40}$/i
const MAX_EVIDENCE_MEMBERS = 1000
const ENGINE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$/

/**
 * The engines a member says it runs, from its registry metadata URI
 * ("virusmap:engines=YARA,ClamAV;node=0"). Anything else in the URI is ignored; names that are
 * not plain engine names are dropped, since the URI is whatever the operator registered.
 */
export function enginesFromMetadataURI (uri: string): string[] {
  if (!uri.startsWith('virusmap:')) return []
  for (const field of uri.slice('virusmap:'.length).split(';')) {
    const [key, value] = field.split('=', 2)
    if (key === 'engines' && value !== undefined) {
      return [...new Set(value.split(',').map((e) => e.trim()).filter((e) => ENGINE_NAME.test(e)))].slice(0, 32)
    }
  }
  return []
}

function memberObject (m: NetworkMember): Record<string, unknown> {
  return { operator: m.operator, peer_id: m.peerId, metadata_uri: m.metadataURI, engines: enginesFromMetadataURI(m.metadataURI) }
}

/** id: member/job/kind, which is unique (the node keeps one pair per member, job and kind) */
function evidenceObject (e: EvidenceView): Record<string, unknown> {
  return {
    type: 'evidence',
    id: `${e.member.toLowerCase()}-${e.jobId.toLowerCase()}-${e.kind}`,
    attributes: {
      kind: e.kind,
      member: e.member.toLowerCase(),
      job_id: e.jobId,
      recorded_at: epochSeconds(e.recordedAt),
      // both signed messages as they came off the wire: anyone can recover the member from each
      first: e.first,
      second: e.second
    }
  }
}

/** VirusMap extensions beside /api/v3: what the web page's network view and verification badge need. */
export function registerVirusmapRoutes (app: FastifyInstance, network: NetworkReader | undefined, evidence?: EvidenceReader): void {
  const evidenceReader = (): EvidenceReader => {
    if (evidence === undefined) throw new ApiError('TransientError', 'this node serves no evidence')
    return evidence
  }

  app.get('/api/virusmap/evidence', async (_request, reply) => {
    const members = await evidenceReader().members(MAX_EVIDENCE_MEMBERS, { signal: requestSignal(reply) })
    return { data: members.map((m) => ({ type: 'evidence_member', id: m.toLowerCase(), links: { evidence: `/api/virusmap/evidence/${m.toLowerCase()}` } })) }
  })

  app.get<{ Params: { member: string } }>('/api/virusmap/evidence/:member', async (request, reply) => {
    const { member } = request.params
    if (!MEMBER.test(member)) throw new ApiError('InvalidArgumentError', 'the member must be a 20-byte address in hex')
    const lower = member.toLowerCase()
    const hex = (lower.startsWith('0x') ? lower : `0x${lower}`) as Hex
    const list = await evidenceReader().byMember(hex, { signal: requestSignal(reply) })
    return { data: list.map(evidenceObject) }
  })

  const reader = (): NetworkReader => {
    if (network === undefined) throw new ApiError('TransientError', 'this node serves no network view')
    return network
  }

  app.get('/api/virusmap/network', async () => {
    const info = reader().info()
    return {
      data: {
        type: 'network',
        id: info.registry,
        attributes: {
          chain_id: info.chainId,
          registry: info.registry,
          ...(info.suggested === undefined ? {} : { rpc_url: info.suggested.rpcUrl, ...(info.suggested.parameters === undefined ? {} : { parameters: info.suggested.parameters }), ...(info.suggested.anchors === undefined ? {} : { anchors: info.suggested.anchors }), ...(info.suggested.governor === undefined ? {} : { governor: info.suggested.governor }), ...(info.suggested.rewards === undefined ? {} : { rewards: info.suggested.rewards }) }),
          self: info.self,
          followed_block: info.followedBlock,
          members: info.members.map(memberObject)
        }
      }
    }
  })

  app.get<{ Params: { block: string } }>('/api/virusmap/members/:block', (request, reply) => {
    const { block } = request.params
    if (!BLOCK.test(block)) throw new ApiError('InvalidArgumentError', 'the block must be a non-negative integer')
    const members = reader().membersAt(Number(block))
    if (members === undefined) throw new ApiError('NotFoundError', `membership at block ${block} is not known to this node yet`)
    reply.send({ data: { type: 'membership', id: String(Number(block)), attributes: { block: Number(block), members: members.map(memberObject) } } })
  })

  app.get<{ Querystring: Record<string, unknown> }>('/api/virusmap/reports', async (request, reply) => {
    const raw = request.query.limit
    if (raw !== undefined && (typeof raw !== 'string' || !LIMIT.test(raw) || Number(raw) < 1 || Number(raw) > MAX_RECENT)) {
      throw new ApiError('InvalidArgumentError', `limit must be an integer from 1 to ${MAX_RECENT}`)
    }
    const limit = raw === undefined ? DEFAULT_RECENT : Number(raw)
    const reports = await reader().recentReports(limit, { signal: requestSignal(reply) })
    return {
      data: reports.map((r) => ({
        type: 'report',
        id: r.jobId,
        attributes: {
          sha256: bareHex(r.sha256),
          date: epochSeconds(r.date),
          size: r.size,
          ...fileType(r.fileType),
          stats: vtStats(r),
          member_count: r.memberCount,
          verdict_count: r.verdictCount,
          kind: r.kind ?? 'file',
          ...(r.subject === undefined ? {} : { subject: r.subject })
        }
      }))
    }
  })
}
