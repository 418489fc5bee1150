import type { FastifyInstance } from 'fastify'
import type { AnchorReader, AnchoredEpochView } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { requestSignal } from '../request.ts'

const EPOCH = /^[0-9]{1,15}$/
const LIMIT = /^[0-9]{1,3}$/
const MAX_EPOCHS = 100
const DEFAULT_EPOCHS = 20

function epochObject (e: AnchoredEpochView, withJobs: boolean): Record<string, unknown> {
  return {
    type: 'anchor_epoch',
    id: String(e.epoch),
    attributes: {
      epoch: e.epoch,
      root: e.root,
      leaf_count: e.leafCount,
      block: e.block,
      tx: e.tx,
      // null until this node has matched the root to the proposal it was built from
      ...(withJobs ? { job_ids: e.jobIds ?? null } : {})
    }
  }
}

/** A query parameter given once, as a string of `pattern`; undefined when absent. */
function param (query: Record<string, unknown>, name: string, pattern: RegExp, what: string): number | undefined {
  const raw = query[name]
  if (raw === undefined) return undefined
  if (typeof raw !== 'string' || !pattern.test(raw) || !Number.isSafeInteger(Number(raw))) throw new ApiError('InvalidArgumentError', `${name} must be ${what}`)
  return Number(raw)
}

/**
 * GET /api/virusmap/anchors: the epochs anchored on chain this node has seen, newest first (`limit`,
 * `before` to page); `?epoch=N`: that epoch with the job ids of its leaves (SPEC 15).
 */
export function registerAnchorRoutes (app: FastifyInstance, anchors: AnchorReader | undefined): void {
  app.get<{ Querystring: Record<string, unknown> }>('/api/virusmap/anchors', async (request, reply) => {
    if (anchors === undefined) throw new ApiError('TransientError', 'this node follows no anchors contract')
    const epoch = param(request.query, 'epoch', EPOCH, 'a non-negative integer')
    const options = { signal: requestSignal(reply) }
    if (epoch !== undefined) {
      const found = await anchors.epoch(epoch, options)
      if (found === undefined) throw new ApiError('NotFoundError', `epoch ${epoch} is not anchored, or this node has not seen its anchor yet`)
      return { data: epochObject(found, true) }
    }
    const limit = param(request.query, 'limit', LIMIT, `an integer from 1 to ${MAX_EPOCHS}`) ?? DEFAULT_EPOCHS
    if (limit < 1 || limit > MAX_EPOCHS) throw new ApiError('InvalidArgumentError', `limit must be an integer from 1 to ${MAX_EPOCHS}`)
    const before = param(request.query, 'before', EPOCH, 'a non-negative integer')
    return { data: (await anchors.epochs(limit, before, options)).map((e) => epochObject(e, false)) }
  })
}
