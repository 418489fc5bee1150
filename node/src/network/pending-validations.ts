import type { AbortOptions, Startable } from '@libp2p/interface'

/** validations that may wait at once, in all and per propagating peer, and for how long each */
export const DEFAULT_MAX_PENDING = 4096
export const DEFAULT_MAX_PENDING_PER_PEER = 512
export const DEFAULT_MAX_WAIT_MS = 12_000

export interface PendingValidationsOptions {
  max?: number
  maxPerPeer?: number
  /** gossipsub's message cache must keep a message at least this long, or an accept comes too late to forward it */
  maxWaitMs?: number
}

export interface PendingValidations extends Startable {
  /**
   * Runs one message's validation. `validate` gets a signal that aborts after maxWaitMs, at stop, or at
   * once when this peer or the node already has too many validations running: a validation may wait for
   * what its node is behind on only while it holds a slot, so no peer can pile up waiting messages.
   * `queuedMs`, the time the message already spent in its topic's queue, counts against maxWaitMs.
   */
  run(from: string, validate: (options: AbortOptions) => void | Promise<void>, queuedMs?: number): Promise<void>
  /** validations running now */
  readonly size: number
}

/** why a waiting validation's signal aborted: its time ran out (one error for all, made once) */
export const WAIT_OVER = new DOMException('the validation waited its longest', 'TimeoutError')

interface Waiting {
  /** performance.now() by which the validation's signal aborts */
  deadline: number
  controller: AbortController
}

/**
 * The bound on gossip validations that wait (SPEC section 6). A relay that is behind (its job, the
 * commitment a reveal opens, the block a job names) waits for it instead of answering `ignore`, since
 * gossipsub forwards only what was accepted; the wait is bounded in count, per peer and in time.
 *
 * Nearly every validation ends at once, so the time bound costs one AbortController a message and
 * one timer for all, set for the earliest deadline of those still running: an AbortSignal.timeout
 * under AbortSignal.any per message kept a timer each and, firing seconds after its validation ended,
 * made an error with its stack and ran the composite's listeners (2.5% of a loaded member's main
 * thread, perf record during bench/load.ts).
 */
export function createPendingValidations (opts: PendingValidationsOptions = {}): PendingValidations {
  const max = opts.max ?? DEFAULT_MAX_PENDING
  const maxPerPeer = opts.maxPerPeer ?? DEFAULT_MAX_PENDING_PER_PEER
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS
  const perPeer = new Map<string, number>()
  const running = new Set<Waiting>()
  let timer: NodeJS.Timeout | undefined
  let timerAt = Number.POSITIVE_INFINITY
  let stopped = false
  const noSlot = AbortSignal.abort()

  function release (from: string): void {
    const left = (perPeer.get(from) ?? 1) - 1
    if (left <= 0) perPeer.delete(from)
    else perPeer.set(from, left)
  }

  /** the timer, for `at` when that is before the one set */
  function wakeBy (at: number): void {
    if (at >= timerAt) return
    clearTimeout(timer)
    timerAt = at
    timer = setTimeout(expire, Math.max(0, at - performance.now()))
    // as AbortSignal.timeout, a waiting validation does not keep the process alive
    timer.unref()
  }

  function expire (): void {
    timer = undefined
    timerAt = Number.POSITIVE_INFINITY
    const now = performance.now()
    let next = Number.POSITIVE_INFINITY
    for (const w of running) {
      if (w.deadline <= now) {
        running.delete(w)
        w.controller.abort(WAIT_OVER)
      } else if (w.deadline < next) {
        next = w.deadline
      }
    }
    if (next !== Number.POSITIVE_INFINITY) wakeBy(next)
  }

  return {
    get size () { return running.size },
    start () {
      stopped = false
    },
    stop () {
      stopped = true
      clearTimeout(timer)
      timer = undefined
      timerAt = Number.POSITIVE_INFINITY
      for (const w of running) w.controller.abort()
      running.clear()
    },
    async run (from, validate, queuedMs = 0) {
      const held = perPeer.get(from) ?? 0
      const waitMs = maxWaitMs - queuedMs
      if (running.size >= max || held >= maxPerPeer || stopped || waitMs <= 0) {
        await validate({ signal: noSlot })
        return
      }
      const waiting: Waiting = { deadline: performance.now() + waitMs, controller: new AbortController() }
      running.add(waiting)
      perPeer.set(from, held + 1)
      wakeBy(waiting.deadline)
      try {
        await validate({ signal: waiting.controller.signal })
      } finally {
        running.delete(waiting)
        release(from)
      }
    }
  }
}
