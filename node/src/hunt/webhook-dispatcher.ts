/**
 * Hunt webhooks (SPEC 19): a vendor may name a URL this member POSTs each of its signed match notifications
 * to, the body exactly the SSE event's data (the SignedHuntMatch, which the vendor verifies against the member's
 * key). The queue is the vendor's stored sequence itself: one worker per vendor POSTs the notification after
 * the webhook's delivered cursor, one at a time and in order, retrying a failure (a connection error, a timeout,
 * 408, 429 or 5xx) with exponential backoff and jitter up to `maxAttempts`, then moves on; another 4xx is a
 * refusal, not retried. The cursor is stored after each, so a restart resumes there. Bounded: a backlog past
 * `maxBacklog` skips its oldest notifications (still served at /hunt/matches), at most `maxWebhooks` are kept,
 * and only a vendor holding an active ruleset here may set one. Targets are public addresses only
 * (webhook-target.ts) unless the operator allows private ones.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Hex } from '#protocol/messages.ts'
import type { HuntRepository, StoredHuntMatch } from '../db/hunt-repository.ts'
import type { HuntWebhookRepository, StoredWebhook } from '../db/hunt-webhook-repository.ts'
import { createKeyLock } from '../db/key-lock.ts'
import { WebhookError } from './webhook-error.ts'
import { postWebhook } from './webhook-post.ts'
import { checkWebhookTarget, parseWebhookUrl } from './webhook-target.ts'

export interface WebhookOptions {
  /** POST to loopback and private addresses too (default false: an operator's choice, never a vendor's) */
  allowPrivate?: boolean
  /** one POST, connection included (default 10 s) */
  timeoutMs?: number
  /** the first retry's delay, doubled at each next one (default 1 s) */
  baseDelayMs?: number
  /** the longest delay between attempts (default 5 min) */
  maxDelayMs?: number
  /** attempts per notification before it is skipped (default 8) */
  maxAttempts?: number
  /** undelivered notifications kept per vendor; older ones are skipped (default 1,000) */
  maxBacklog?: number
  /** webhooks this member keeps (default 256) */
  maxWebhooks?: number
}

export interface WebhookComponents {
  self: Hex
  webhooks: Pick<HuntWebhookRepository, 'get' | 'put' | 'delete' | 'list'>
  hunts: Pick<HuntRepository, 'matches' | 'lastSeq'>
  /** the vendor's live notifications (the hunt service's): each wakes its worker */
  subscribe: (vendor: Hex, listener: (s: StoredHuntMatch) => void) => () => void
  /** whether the vendor holds an active ruleset here */
  hasRuleset: (vendor: Hex) => boolean
  logger: Logger
  now?: () => number
  random?: () => number
}

/** delivered: 2xx; refused: another 4xx (or a private target), not retried; gave-up: every attempt failed */
export type WebhookOutcome = 'delivered' | 'refused' | 'gave-up'

export interface WebhookDispatcher extends Startable {
  /** sets (or replaces) the vendor's webhook; a new one starts after the vendor's newest notification */
  set(vendor: Hex, url: unknown, options?: AbortOptions): Promise<StoredWebhook>
  get(vendor: Hex): Promise<StoredWebhook | undefined>
  clear(vendor: Hex): Promise<void>
}

interface Worker { controller: AbortController, dirty: boolean, waker?: () => void, unsubscribe: () => void, done: Promise<void> }

export function createWebhookDispatcher (opts: WebhookOptions, c: WebhookComponents): WebhookDispatcher {
  const allowPrivate = opts.allowPrivate ?? false
  const timeoutMs = opts.timeoutMs ?? 10_000
  const baseDelayMs = opts.baseDelayMs ?? 1000
  const maxDelayMs = opts.maxDelayMs ?? 300_000
  const maxAttempts = opts.maxAttempts ?? 8
  const maxBacklog = opts.maxBacklog ?? 1000
  const maxWebhooks = opts.maxWebhooks ?? 256
  const now = c.now ?? Date.now
  const random = c.random ?? Math.random
  const workers = new Map<Hex, Worker>()
  const lock = createKeyLock()
  let running = false

  /** the delay before attempt `attempt + 1`: doubling, capped, with half of it random so members do not retry in step */
  const backoff = (attempt: number): number => Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2)

  async function advance (vendor: Hex, seq: number): Promise<void> {
    await lock(vendor, async () => {
      const hook = await c.webhooks.get(vendor)
      if (hook !== undefined && hook.deliveredSeq < seq) await c.webhooks.put({ ...hook, deliveredSeq: seq })
    })
  }

  async function deliver (vendor: Hex, s: StoredHuntMatch, signal: AbortSignal): Promise<WebhookOutcome> {
    const body = JSON.stringify(s.notification)
    for (let attempt = 1; ; attempt++) {
      // read again each time: the vendor may have moved or removed its webhook meanwhile
      const hook = await c.webhooks.get(vendor)
      if (hook === undefined) return 'refused'
      let retry: boolean
      try {
        const status = await postWebhook(new URL(hook.url), body, { allowPrivate, timeoutMs, signal, headers: { 'x-virusmap-member': c.self, 'x-virusmap-vendor': vendor, 'x-virusmap-hunt-seq': String(s.seq) } })
        if (status >= 200 && status < 300) return 'delivered'
        retry = status === 408 || status === 429 || status >= 500
        c.logger.debug({ vendor, seq: s.seq, status, attempt }, 'hunt webhook answered with an error')
      } catch (err) {
        signal.throwIfAborted()
        retry = !(err instanceof WebhookError)
        c.logger.debug({ err, vendor, seq: s.seq, attempt }, 'hunt webhook POST failed')
      }
      if (!retry) return 'refused'
      if (attempt >= maxAttempts) return 'gave-up'
      await sleep(backoff(attempt), undefined, { signal })
    }
  }

  async function work (vendor: Hex, w: Worker): Promise<void> {
    const { signal } = w.controller
    while (!signal.aborted) {
      w.dirty = false
      const hook = await c.webhooks.get(vendor)
      if (hook === undefined) return
      const latest = await c.hunts.lastSeq(vendor)
      if (latest - hook.deliveredSeq > maxBacklog) {
        c.logger.warn({ vendor, skipped: latest - maxBacklog - hook.deliveredSeq }, 'hunt webhook backlog past its bound: the oldest notifications are skipped (still served at /api/virusmap/hunt/matches)')
        await advance(vendor, latest - maxBacklog)
        continue
      }
      const [next] = await c.hunts.matches(vendor, hook.deliveredSeq, 1, { signal })
      if (next === undefined) {
        if (!w.dirty && !signal.aborted) await new Promise<void>((resolve) => { w.waker = resolve; signal.addEventListener('abort', () => { resolve() }, { once: true }) })
        w.waker = undefined
        continue
      }
      const outcome = await deliver(vendor, next, signal)
      if (outcome !== 'delivered') c.logger.info({ vendor, seq: next.seq, outcome }, 'hunt webhook notification not delivered; moving on')
      await advance(vendor, next.seq)
    }
  }

  function ensure (vendor: Hex): void {
    const existing = workers.get(vendor)
    if (existing !== undefined) {
      existing.dirty = true
      existing.waker?.()
      return
    }
    if (!running) return
    const w: Worker = { controller: new AbortController(), dirty: true, unsubscribe: () => {}, done: Promise.resolve() }
    const wake = (): void => { w.dirty = true; w.waker?.() }
    w.unsubscribe = c.subscribe(vendor, wake)
    w.done = work(vendor, w).catch((err: unknown) => {
      if (!w.controller.signal.aborted) c.logger.warn({ err, vendor }, 'hunt webhook worker stopped')
    }).finally(() => {
      w.unsubscribe()
      if (workers.get(vendor) === w) workers.delete(vendor)
    })
    workers.set(vendor, w)
  }

  async function halt (vendor: Hex): Promise<void> {
    const w = workers.get(vendor)
    if (w === undefined) return
    w.controller.abort()
    await w.done
  }

  return {
    async set (vendor, text, options = {}) {
      const url = parseWebhookUrl(text, allowPrivate)
      if (!c.hasRuleset(vendor)) throw new WebhookError('NO_RULESET', 'the vendor holds no active ruleset at this member')
      await checkWebhookTarget(url, allowPrivate)
      options.signal?.throwIfAborted()
      const hook = await lock(vendor, async () => {
        const existing = await c.webhooks.get(vendor)
        if (existing === undefined && (await c.webhooks.list()).length >= maxWebhooks) throw new WebhookError('TOO_MANY_WEBHOOKS', `this member keeps at most ${maxWebhooks} webhooks`)
        const stored: StoredWebhook = { vendor, url: url.toString(), setAt: now(), deliveredSeq: existing?.deliveredSeq ?? await c.hunts.lastSeq(vendor) }
        await c.webhooks.put(stored)
        return stored
      })
      ensure(vendor)
      return hook
    },
    get: async (vendor) => await c.webhooks.get(vendor),
    async clear (vendor) {
      await lock(vendor, async () => {
        if (await c.webhooks.get(vendor) === undefined) throw new WebhookError('NO_WEBHOOK', 'the vendor has no webhook at this member')
        await c.webhooks.delete(vendor)
      })
      await halt(vendor)
    },
    async start () {
      running = true
      for (const hook of await c.webhooks.list()) ensure(hook.vendor)
    },
    async stop () {
      running = false
      await Promise.all([...workers.keys()].map(halt))
    }
  }
}
