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

/**
 * The bound on gossip validations that wait (SPEC section 6). A relay that is behind (its job, the
 * commitment a reveal opens, the block a job names) waits for it instead of answering `ignore`, since
 * gossipsub forwards only what was accepted; the wait is bounded in count, per peer and in time.
 */
export function createPendingValidations (opts: PendingValidationsOptions = {}): PendingValidations {
  const max = opts.max ?? DEFAULT_MAX_PENDING
  const maxPerPeer = opts.maxPerPeer ?? DEFAULT_MAX_PENDING_PER_PEER
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS
  const perPeer = new Map<string, number>()
  let size = 0
  let stopping = new AbortController()
  const noSlot = AbortSignal.abort()

  function release (from: string): void {
    size--
    const left = (perPeer.get(from) ?? 1) - 1
    if (left <= 0) perPeer.delete(from)
    else perPeer.set(from, left)
  }

  return {
    get size () { return size },
    start () {
      if (stopping.signal.aborted) stopping = new AbortController()
    },
    stop () {
      stopping.abort()
    },
    async run (from, validate, queuedMs = 0) {
      const held = perPeer.get(from) ?? 0
      // AbortSignal.timeout takes whole milliseconds
      const waitMs = Math.floor(maxWaitMs - queuedMs)
      if (size >= max || held >= maxPerPeer || stopping.signal.aborted || waitMs <= 0) {
        await validate({ signal: noSlot })
        return
      }
      size++
      perPeer.set(from, held + 1)
      try {
        await validate({ signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(waitMs)]) })
      } finally {
        release(from)
      }
    }
  }
}
