import type { FastifyInstance } from 'fastify'
import type { GovernanceMember, GovernanceReader, ProposalView } from '../../chain/governance-reader.ts'
import { ApiError } from '../../vt/errors.ts'
import { baseUrl, requestSignal } from '../request.ts'
import { enginesFromMetadataURI } from './virusmap.ts'

const LIMIT = /^[0-9]{1,3}$/
const MAX_LIMIT = 40
const DEFAULT_LIMIT = 10
/** a proposal id: uint256 in decimal */
const CURSOR = /^[0-9]{1,78}$/
/** anyone may propose, with any text and any calls: what one proposal can put in a page is bounded */
const MAX_DESCRIPTION = 4000
const MAX_ACTIONS = 16
const MAX_CALLDATA_HEX = 2 + 2 * 1024

function proposalObject (p: ProposalView): Record<string, unknown> {
  return {
    type: 'proposal',
    id: p.id,
    attributes: {
      state: p.state,
      proposer: p.proposer,
      description: p.description.slice(0, MAX_DESCRIPTION),
      description_truncated: p.description.length > MAX_DESCRIPTION,
      created_block: p.createdBlock,
      snapshot_block: p.snapshot,
      deadline_block: p.deadline,
      votes: p.votes,
      quorum: p.quorum,
      eta: p.eta,
      actions: p.actions.slice(0, MAX_ACTIONS).map((a) => ({
        target: a.target,
        value: a.value,
        calldata: a.calldata.slice(0, MAX_CALLDATA_HEX),
        ...(a.calldata.length > MAX_CALLDATA_HEX ? { calldata_truncated: true } : {}),
        ...(a.call === undefined ? {} : { call: a.call.slice(0, 1000) })
      })),
      action_count: p.actions.length
    }
  }
}

function memberObject (m: GovernanceMember): Record<string, unknown> {
  return {
    type: 'governance_member',
    id: m.operator,
    attributes: {
      operator: m.operator,
      peer_id: m.peerId,
      metadata_uri: m.metadataURI,
      engines: enginesFromMetadataURI(m.metadataURI),
      registered_block: m.registeredAt,
      term_end_block: m.termEnd
    }
  }
}

/**
 * VirusMap extensions for the governance page: the Governor's proposals (newest first, paged by
 * cursor as VirusTotal pages its collections) and the registry's members with their terms.
 */
export function registerGovernanceRoutes (app: FastifyInstance, governance: GovernanceReader | undefined): void {
  const reader = (): GovernanceReader => {
    if (governance === undefined) throw new ApiError('TransientError', 'this node serves no governance view')
    return governance
  }

  app.get<{ Querystring: Record<string, unknown> }>('/api/virusmap/governance/proposals', async (request, reply) => {
    const { limit: rawLimit, cursor } = request.query
    if (rawLimit !== undefined && (typeof rawLimit !== 'string' || !LIMIT.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT)) {
      throw new ApiError('InvalidArgumentError', `limit must be an integer from 1 to ${MAX_LIMIT}`)
    }
    if (cursor !== undefined && (typeof cursor !== 'string' || !CURSOR.test(cursor))) throw new ApiError('InvalidArgumentError', 'cursor must be the one a previous page gave')
    const limit = rawLimit === undefined ? DEFAULT_LIMIT : Number(rawLimit)
    const page = await reader().proposals({ limit, ...(cursor === undefined ? {} : { after: cursor }) }, { signal: requestSignal(reply) })
    if (page === undefined) throw new ApiError('InvalidArgumentError', 'cursor must be the one a previous page gave')
    const self = `${baseUrl(request)}/api/virusmap/governance/proposals?limit=${limit}`
    return {
      data: page.proposals.map(proposalObject),
      meta: { count: page.proposals.length, ...(page.next === undefined ? {} : { cursor: page.next }) },
      links: { self: cursor === undefined ? self : `${self}&cursor=${cursor}`, ...(page.next === undefined ? {} : { next: `${self}&cursor=${page.next}` }) }
    }
  })

  app.get('/api/virusmap/governance/members', async (_request, reply) => {
    const members = await reader().members({ signal: requestSignal(reply) })
    return { data: members.map(memberObject), meta: { count: members.length } }
  })
}
