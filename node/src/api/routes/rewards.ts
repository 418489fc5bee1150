// GET /api/virusmap/rewards/{epoch}[/{address}]: the rewards tree this member computed for an epoch
// (SPEC 17), its amounts and per-item breakdown, and an address's cumulative amount with the Merkle proof
// RewardsDistributor.claim takes. `latest` names the newest epoch computed here. Nobody has to trust the
// node: the proof checks against the root posted on chain.
import type { FastifyInstance } from 'fastify'
import type { RewardItemView, RewardsAccountView, RewardsEpochView, RewardsReader } from '../ports/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { ClassEvidence } from '#protocol/rewards/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { requestSignal } from '../request.ts'

const EPOCH = /^(0|[1-9][0-9]{0,14})$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const COUNT = /^(0|[1-9][0-9]{0,6})$/
const MAX_ITEMS = 1000
const DEFAULT_ITEMS = 100

function count (query: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const raw = query[name]
  if (raw === undefined) return fallback
  if (typeof raw !== 'string' || !COUNT.test(raw) || Number(raw) < min || Number(raw) > max) throw new ApiError('InvalidArgumentError', `${name} must be an integer from ${min} to ${max}`)
  return Number(raw)
}

async function epochOf (raw: string, rewards: RewardsReader, signal: AbortSignal): Promise<number> {
  if (raw === 'latest') {
    const latest = await rewards.latest({ signal })
    if (latest === undefined) throw new ApiError('NotFoundError', 'this node has computed no rewards epoch yet')
    return latest
  }
  if (!EPOCH.test(raw)) throw new ApiError('InvalidArgumentError', 'the epoch must be a non-negative integer or "latest"')
  return Number(raw)
}

function evidenceObject (e: ClassEvidence): Record<string, unknown> {
  return {
    needed: e.needed, detected: e.detected, flagged: e.flagged, malicious_engines: e.maliciousEngines, suspicious_engines: e.suspiciousEngines,
    test_signature: e.testSignature ?? null
  }
}

function itemObject (i: RewardItemView): Record<string, unknown> {
  return {
    job_id: i.jobId, item: i.item, submitter: i.submitter, class: i.class, outcome: i.outcome, family: i.family, listed: i.listed,
    confirmed_later: i.confirmedLater, duplicate_index: i.duplicateIndex, precision: i.precision, raw: i.raw, amount: i.amount,
    evidence: i.evidence === undefined ? null : evidenceObject(i.evidence), steps: i.steps ?? null
  }
}

function epochObject (e: RewardsEpochView): Record<string, unknown> {
  return {
    type: 'rewards_epoch',
    id: String(e.epoch),
    attributes: {
      epoch: e.epoch, paid_epoch: e.paidEpoch ?? null, root: e.root ?? null, total: e.total, paid: e.paid, budget: e.budget, reports: e.reports,
      leaf_count: e.leafCount, amounts: e.amounts, members: e.members, item_count: e.itemCount, items: e.items.map(itemObject)
    }
  }
}

function accountObject (a: RewardsAccountView): Record<string, unknown> {
  return {
    type: 'rewards_account',
    id: `${a.epoch}:${a.account}`,
    attributes: {
      epoch: a.epoch, root: a.root ?? null, account: a.account, cumulative: a.cumulative, proof: a.proof, amount: a.amount, member_amount: a.memberAmount,
      deposit: a.deposit ?? null, items: a.items.map(itemObject)
    }
  }
}

const notComputed = (epoch: number): ApiError => new ApiError('NotFoundError', `this node has not computed epoch ${epoch}'s rewards: not over, its reports not final here yet, or before the distributor`)

export function registerRewardsRoutes (app: FastifyInstance, rewards: RewardsReader | undefined): void {
  const reader = (): RewardsReader => {
    if (rewards === undefined) throw new ApiError('TransientError', 'this node follows no rewards distributor')
    return rewards
  }
  app.get<{ Params: { epoch: string }, Querystring: Record<string, unknown> }>('/api/virusmap/rewards/:epoch', async (request, reply) => {
    const r = reader()
    const signal = requestSignal(reply)
    const epoch = await epochOf(request.params.epoch, r, signal)
    const page = { offset: count(request.query, 'offset', 0, 1_000_000, 0), limit: count(request.query, 'limit', 1, MAX_ITEMS, DEFAULT_ITEMS) }
    const found = await r.epoch(epoch, page, { signal })
    if (found === undefined) throw notComputed(epoch)
    return { data: epochObject(found) }
  })
  app.get<{ Params: { epoch: string, address: string }, Querystring: Record<string, unknown> }>('/api/virusmap/rewards/:epoch/:address', async (request, reply) => {
    const r = reader()
    const signal = requestSignal(reply)
    if (!ADDRESS.test(request.params.address)) throw new ApiError('InvalidArgumentError', 'the address must be 20 bytes of 0x hex')
    const epoch = await epochOf(request.params.epoch, r, signal)
    const found = await r.account(epoch, request.params.address.toLowerCase() as Hex, count(request.query, 'limit', 1, MAX_ITEMS, DEFAULT_ITEMS), { signal })
    if (found === undefined) throw notComputed(epoch)
    return { data: accountObject(found) }
  })
}
