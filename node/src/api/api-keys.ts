import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApiKeyLimits, ApiKeyReader } from './ports/index.ts'
import type { ApiKeyPrivilege } from '../db/apikey-privileges.ts'
import { API_KEY_PATTERN } from '../db/apikey-repository.ts'
import { ApiError } from '../vt/errors.ts'

/** a found key's limits are reused this long before the port is asked again */
const LOOKUP_TTL_MS = 30_000
const MAX_CACHED_KEYS = 10_000
const FLUSH_INTERVAL_MS = 5000

interface KeyState {
  limits: ApiKeyLimits
  checkedAt: number
  minute: number
  minuteCount: number
  day: string
  dayCount: number
  /** day count loaded from the port for `day` (so a restart does not reset the day's quota) */
  dayLoaded: boolean
  dirty: boolean
}

const KEYS = new WeakMap<FastifyRequest, ApiKeyLimits>()

/** The id (not the key) of the API key that authenticated the request, when keys are in use. */
export function apiKeyIdOf (request: FastifyRequest): string | undefined {
  return KEYS.get(request)?.id
}

/**
 * Throws 403 ForbiddenError unless the request's key holds `privilege`. A node that takes no keys
 * grants no privileges: whatever needs one is closed there.
 */
export function requirePrivilege (request: FastifyRequest, privilege: ApiKeyPrivilege): string {
  const key = KEYS.get(request)
  if (key === undefined) throw new ApiError('ForbiddenError', `this node takes no API keys, so none holds the "${privilege}" privilege`)
  if (key.privileges?.includes(privilege) !== true) throw new ApiError('ForbiddenError', `this API key lacks the "${privilege}" privilege`)
  return key.id
}

export interface ApiKeyGuard {
  /** throws the VirusTotal 401/429 error for this request, or counts it */
  check(request: FastifyRequest): Promise<void>
  /**
   * check without a promise where none is needed: throws the error or counts the request at once
   * (undefined) for a key whose limits and day count are at hand, else returns check's promise.
   */
  admit(request: FastifyRequest): Promise<void> | undefined
  flush(): Promise<void>
  close(): Promise<void>
}

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/**
 * x-apikey checks and per-key quotas: fixed windows per UTC minute and UTC day, counted in memory
 * (one node process owns its counts) with the day counts written back through the port every few
 * seconds. Every authenticated request counts, answered or not.
 */
export function createApiKeyGuard (keys: ApiKeyReader, options: { now?: () => number, onError?: (err: unknown) => void } = {}): ApiKeyGuard {
  const now = options.now ?? Date.now
  const states = new Map<string, KeyState>()

  async function stateFor (key: string, at: number): Promise<KeyState | undefined> {
    const cached = states.get(key)
    if (cached !== undefined && at - cached.checkedAt < LOOKUP_TTL_MS) return cached
    const limits = await keys.find(key)
    if (limits === undefined) {
      states.delete(key)
      return undefined
    }
    // another request may have added the key while this one waited
    const current = states.get(key)
    if (current !== undefined) {
      current.limits = limits
      current.checkedAt = at
      return current
    }
    if (states.size >= MAX_CACHED_KEYS) {
      // forget clean entries first; their day counts are in the store
      for (const [k, s] of states) { if (!s.dirty) states.delete(k); if (states.size < MAX_CACHED_KEYS / 2) break }
    }
    const state: KeyState = { limits, checkedAt: at, minute: -1, minuteCount: 0, day: '', dayCount: 0, dayLoaded: false, dirty: false }
    states.set(key, state)
    return state
  }

  async function flush (): Promise<void> {
    const entries: Array<{ id: string, day: string, count: number }> = []
    for (const s of states.values()) {
      if (!s.dirty) continue
      s.dirty = false
      entries.push({ id: s.limits.id, day: s.day, count: s.dayCount })
    }
    if (entries.length > 0) await keys.saveDayUsage?.(entries)
  }
  const timer = setInterval(() => { flush().catch((err: unknown) => options.onError?.(err)) }, FLUSH_INTERVAL_MS)
  timer.unref()
  // a changed key is looked up again on its next request (a revoked one is then refused), keeping its counts
  const unsubscribe = keys.onChange?.((id) => {
    for (const s of states.values()) if (s.limits.id === id) s.checkedAt = Number.NEGATIVE_INFINITY
  })

  /** moves the key's windows to `at`'s minute and day; false when the new day's stored count is still to be read */
  function window (state: KeyState, at: number): boolean {
    const minute = Math.floor(at / 60_000)
    if (state.minute !== minute) {
      state.minute = minute
      state.minuteCount = 0
      // a UTC day is whole minutes, so it can only change with the minute (formatting it is not free)
      const day = utcDay(at)
      if (state.day !== day) { state.day = day; state.dayCount = 0; state.dayLoaded = false }
    }
    return state.dayLoaded
  }

  /** counts the request against the key's quotas, or throws 429 */
  function count (request: FastifyRequest, state: KeyState): void {
    if (state.minuteCount >= state.limits.perMinute) throw new ApiError('QuotaExceededError', `quota exceeded: ${state.limits.perMinute} requests per minute`)
    if (state.dayCount >= state.limits.perDay) throw new ApiError('QuotaExceededError', `quota exceeded: ${state.limits.perDay} requests per day`)
    state.minuteCount++
    state.dayCount++
    state.dirty = true
    KEYS.set(request, state.limits)
  }

  async function check (request: FastifyRequest): Promise<void> {
    const header = request.headers['x-apikey']
    if (header === undefined || header === '') throw new ApiError('AuthenticationRequiredError', 'an API key is required: send it in the x-apikey header')
    if (typeof header !== 'string' || !API_KEY_PATTERN.test(header)) throw new ApiError('WrongCredentialsError', 'wrong API key')
    const at = now()
    const state = await stateFor(header, at)
    if (state === undefined) throw new ApiError('WrongCredentialsError', 'wrong API key')
    if (!window(state, at)) {
      state.dayLoaded = true
      state.dayCount += (await keys.dayUsage?.(state.limits.id, state.day)) ?? 0
    }
    count(request, state)
  }

  return {
    check,
    admit (request) {
      const header = request.headers['x-apikey']
      // only a key that matched API_KEY_PATTERN is ever kept, so a kept one needs no second look
      const state = typeof header === 'string' ? states.get(header) : undefined
      if (state === undefined) return check(request)
      const at = now()
      // the lookup is due again (or the key changed), or the day's stored count is still to be read: the whole check
      if (at - state.checkedAt >= LOOKUP_TTL_MS || !window(state, at)) return check(request)
      count(request, state)
      return undefined
    },
    flush,
    async close () {
      clearInterval(timer)
      unsubscribe?.()
      await flush()
    }
  }
}

/** Puts the guard in front of every route of `scope` (the API routes; health, metrics, docs and the page stay open). */
export function requireApiKeys (scope: FastifyInstance, guard: ApiKeyGuard): void {
  // a refused upload's unread body is settled by the error handler (settleUnreadBody). A callback
  // hook: a known key's request goes on without a promise (a throw here reaches the error handler too)
  scope.addHook('onRequest', (request, _reply, done) => {
    const pending = guard.admit(request)
    if (pending === undefined) done()
    else pending.then(() => { done() }, done)
  })
}
