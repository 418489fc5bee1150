// Hunting (SPEC 19): a vendor registers a sealed ruleset (POST /api/virusmap/hunt/rulesets), lists its
// rulesets, reads or streams (server-sent events) this member's signed match notifications, and asks for
// a Retrohunt. Everything but the registration is the vendor's alone: x-virusmap-hunt-auth, its HuntAccess
// signature for this node. No route ever returns a ruleset's source or ciphertext.
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ServerResponse } from 'node:http'
import { MAX_REGISTRATION_BYTES, parseHuntRegistration } from '#protocol/hunt/registration.ts'
import type { Hex } from '#protocol/messages.ts'
import type { StoredHuntMatch } from '../../db/hunt-repository.ts'
import type { RetroResult } from '../../hunt/retrohunt.ts'
import { ApiError } from '../../vt/errors.ts'
import { requestSignal } from '../request.ts'
import type { HuntPort } from '../ports/index.ts'
import { huntCall, vendorOf } from './hunt-access.ts'
import { registerHuntWebhookRoutes } from './hunt-webhook.ts'

export interface HuntStreamLimits {
  /** open streams per vendor */
  perVendor: number
  /** open streams on this node */
  perNode: number
  /** bytes a stream may hold unsent before the client is cut */
  maxBufferedBytes: number
  /** how long a replay waits for the client to read before it is cut */
  maxStallMs: number
  /** a comment line this often keeps proxies from closing an idle stream */
  heartbeatMs: number
}

export const HUNT_STREAM_DEFAULTS: HuntStreamLimits = { perVendor: 4, perNode: 64, maxBufferedBytes: 256 * 1024, maxStallMs: 30_000, heartbeatMs: 15_000 }

const BYTES32 = /^0x[0-9a-f]{64}$/
const SEQ = /^(0|[1-9][0-9]{0,14})$/

function seqOf (raw: unknown, name: string): number {
  if (raw === undefined) return 0
  if (typeof raw !== 'string' || !SEQ.test(raw)) throw new ApiError('InvalidArgumentError', `${name} must be a sequence number`)
  return Number(raw)
}

const matchObject = (s: StoredHuntMatch): Record<string, unknown> => ({ type: 'hunt_match', id: String(s.seq), attributes: s.notification })

export function retroObject (r: RetroResult): Record<string, unknown> {
  return {
    type: 'hunt_retrohunt',
    id: r.rulesetId,
    attributes: { scanned: r.scanned, bytes: r.bytes, ms: r.ms, stopped_by: r.stoppedBy, timed_out: r.timedOut },
    matches: r.matches.map(matchObject)
  }
}

export function registerHuntRoutes (app: FastifyInstance, hunt: HuntPort | undefined, limits: HuntStreamLimits = HUNT_STREAM_DEFAULTS): void {
  const port = (): HuntPort => {
    if (hunt === undefined) throw new ApiError('TransientError', 'this node runs no hunting (its deployment names no data market)')
    return hunt
  }
  let open = 0
  // hijacked streams are outside fastify's own close: without this a stop waits for every vendor to leave
  const streams = new Set<ServerResponse>()
  app.addHook('preClose', (done) => {
    for (const res of streams) res.destroy()
    done()
  })

  registerHuntWebhookRoutes(app, hunt)

  app.post('/api/virusmap/hunt/rulesets', { bodyLimit: MAX_REGISTRATION_BYTES }, async (request, reply) => {
    const h = port()
    const registration = await huntCall(() => parseHuntRegistration(request.body))
    const view = await huntCall(async () => await h.register(registration, { signal: requestSignal(reply) }))
    return { data: { type: 'hunt_ruleset', id: view.rulesetId, attributes: { order_id: view.orderId, paid_until: view.paidUntil, registered_at: view.registeredAt } } }
  })

  app.get<{ Querystring: { vendor?: unknown } }>('/api/virusmap/hunt/rulesets', (request, reply) => {
    const h = port()
    const vendor = vendorOf(request, h)
    return reply.send({ data: h.rulesets(vendor).map((r) => ({ type: 'hunt_ruleset', id: r.rulesetId, attributes: { order_id: r.orderId, paid_until: r.paidUntil, registered_at: r.registeredAt } })) })
  })

  app.get<{ Querystring: { vendor?: unknown, after?: unknown, limit?: unknown } }>('/api/virusmap/hunt/matches', async (request, reply) => {
    const h = port()
    const vendor = vendorOf(request, h)
    const after = seqOf(request.query.after, 'after')
    const limit = request.query.limit === undefined ? 100 : seqOf(request.query.limit, 'limit')
    if (limit < 1 || limit > 1000) throw new ApiError('InvalidArgumentError', 'limit must be 1..1000')
    const page = await h.matches(vendor, after, limit, { signal: requestSignal(reply) })
    return { data: page.map(matchObject), meta: { cursor: String(page.at(-1)?.seq ?? after) } }
  })

  app.post<{ Params: { id: string }, Querystring: { vendor?: unknown } }>('/api/virusmap/hunt/rulesets/:id/retro', async (request, reply) => {
    const h = port()
    const vendor = vendorOf(request, h)
    if (!BYTES32.test(request.params.id)) throw new ApiError('InvalidArgumentError', 'the ruleset id must be 32 bytes of lowercase 0x hex')
    const result = await huntCall(async () => await h.retro(vendor, request.params.id as Hex, { signal: requestSignal(reply) }))
    return { data: retroObject(result) }
  })

  app.get<{ Querystring: { vendor?: unknown, after?: unknown } }>('/api/virusmap/hunt/matches/stream', async (request, reply) => {
    const h = port()
    const vendor = vendorOf(request, h)
    const after = seqOf(request.headers['last-event-id'] ?? request.query.after, 'Last-Event-ID')
    if (h.subscribers(vendor) >= limits.perVendor || open >= limits.perNode) throw new ApiError('TooManyRequestsError', 'too many hunt streams open; close one first')
    await stream(h, vendor, after, reply, limits, () => { open++; streams.add(reply.raw) }, () => { open--; streams.delete(reply.raw) })
  })
}

const event = (s: StoredHuntMatch): string => `id: ${s.seq}\nevent: hunt-match\ndata: ${JSON.stringify(s.notification)}\n\n`

/**
 * Serves the vendor's notifications after `after`, then live ones, until the client leaves. A client that
 * does not read is cut: the replay waits at most maxStallMs for it to drain, and live events never pile
 * up past maxBufferedBytes.
 */
async function stream (h: HuntPort, vendor: Hex, after: number, reply: FastifyReply, limits: HuntStreamLimits, opened: () => void, closed: () => void): Promise<void> {
  const res = reply.raw
  const signal = requestSignal(reply)
  let last = after
  let live = false
  const pending: StoredHuntMatch[] = []
  const sendLive = (s: StoredHuntMatch): void => {
    if (s.seq <= last || res.destroyed) return
    last = s.seq
    res.write(event(s))
    if (res.writableLength > limits.maxBufferedBytes) res.destroy()
  }
  const drained = async (): Promise<void> => {
    if (res.writableLength <= limits.maxBufferedBytes || res.destroyed) return
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => { resolve(false) }, limits.maxStallMs)
      const done = (value: boolean) => () => { clearTimeout(timer); res.off('drain', onDrain); res.off('close', onClose); resolve(value) }
      const onDrain = done(true)
      const onClose = done(false)
      res.once('drain', onDrain)
      res.once('close', onClose)
    })
    if (!ok) res.destroy()
  }
  const unsubscribe = h.subscribe(vendor, (s) => { if (live) sendLive(s); else pending.push(s) })
  opened()
  reply.hijack()
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' })
  res.write(': virusmap hunt matches\n\n')
  const heartbeat = setInterval(() => { if (!res.destroyed) res.write(': ping\n\n') }, limits.heartbeatMs)
  try {
    for (;;) {
      const page = await h.matches(vendor, last, 100, { signal })
      for (const s of page) {
        if (res.destroyed) break
        res.write(event(s))
        last = s.seq
        await drained()
      }
      if (page.length < 100 || res.destroyed) break
    }
    for (const s of pending.splice(0)) sendLive(s)
    live = true
    if (!res.destroyed) await new Promise<void>((resolve) => { res.once('close', resolve) })
  } catch (err) {
    if (!signal.aborted) res.destroy(err as Error)
  } finally {
    clearInterval(heartbeat)
    unsubscribe()
    closed()
  }
}
