// A vendor's hunt webhook at this member (SPEC 19): PUT sets the URL this member POSTs the vendor's signed
// match notifications to (public addresses only unless the operator allows private ones, and only for a
// vendor with an active ruleset here), GET reads it with the last sequence delivered, DELETE removes it.
// Each is the vendor's alone: x-virusmap-hunt-auth, its HuntAccess signature for this node.
import type { FastifyInstance } from 'fastify'
import type { Hex } from '#protocol/messages.ts'
import type { StoredWebhook } from '../../db/hunt-webhook-repository.ts'
import { WebhookError } from '../../hunt/webhook-error.ts'
import type { WebhookErrorCode } from '../../hunt/webhook-error.ts'
import { MAX_WEBHOOK_URL_LENGTH } from '../../hunt/webhook-target.ts'
import { ApiError } from '../../vt/errors.ts'
import type { VtErrorCode } from '../../vt/errors.ts'
import type { HuntPort } from '../ports/index.ts'
import { requestSignal } from '../request.ts'
import { vendorOf } from './hunt-access.ts'

const STATUS: Record<WebhookErrorCode, VtErrorCode> = {
  BAD_URL: 'InvalidArgumentError',
  PRIVATE_TARGET: 'ForbiddenError',
  UNRESOLVED: 'InvalidArgumentError',
  NO_RULESET: 'ForbiddenError',
  TOO_MANY_WEBHOOKS: 'QuotaExceededError',
  NO_WEBHOOK: 'NotFoundError'
}

async function webhookCall<T> (work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof WebhookError) throw new ApiError(STATUS[err.code], `${err.code}: ${err.message}`.slice(0, 300))
    throw err
  }
}

const webhookObject = (h: StoredWebhook): Record<string, unknown> => ({ type: 'hunt_webhook', id: h.vendor, attributes: { url: h.url, set_at: h.setAt, delivered_seq: h.deliveredSeq } })

type Port = Pick<HuntPort, 'checkAccess' | 'webhooks'>

export function registerHuntWebhookRoutes (app: FastifyInstance, hunt: Port | undefined): void {
  const hooks = (): Required<Port> => {
    if (hunt === undefined) throw new ApiError('TransientError', 'this node runs no hunting (its deployment names no data market)')
    if (hunt.webhooks === undefined) throw new ApiError('TransientError', 'this node offers no hunt webhooks')
    return hunt as Required<Port>
  }

  app.put<{ Querystring: { vendor?: unknown }, Body: unknown }>('/api/virusmap/hunt/webhook', { bodyLimit: MAX_WEBHOOK_URL_LENGTH + 256 }, async (request, reply) => {
    const h = hooks()
    const vendor: Hex = vendorOf(request, h)
    const body = request.body
    if (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).join(',') !== 'url') throw new ApiError('InvalidArgumentError', 'the body is {"url": URL}')
    const hook = await webhookCall(async () => await h.webhooks.set(vendor, (body as { url: unknown }).url, { signal: requestSignal(reply) }))
    return { data: webhookObject(hook) }
  })

  app.get<{ Querystring: { vendor?: unknown } }>('/api/virusmap/hunt/webhook', async (request, reply) => {
    const h = hooks()
    const hook = await h.webhooks.get(vendorOf(request, h))
    if (hook === undefined) throw new ApiError('NotFoundError', 'NO_WEBHOOK: the vendor has no webhook at this member')
    return await reply.send({ data: webhookObject(hook) })
  })

  app.delete<{ Querystring: { vendor?: unknown } }>('/api/virusmap/hunt/webhook', async (request, reply) => {
    const h = hooks()
    const vendor = vendorOf(request, h)
    await webhookCall(async () => { await h.webhooks.clear(vendor) })
    return await reply.code(204).send()
  })
}
