import type { EventQueue } from './event-queue.ts'
import type { ModelMessage } from './model-message.ts'

/** job-waiters.ts: a waiting message is validated again this often without news of its job (windows open with time) */
const RETRY_MS = 500

interface Waiting {
  msg: ModelMessage
  from: number
  /** past this the wait is given up and the message ignored, without penalty (gossip's bound, pending-validations.ts) */
  until: number
  done: boolean
}

export interface WaitStats {
  /** valid messages a peer held back until it had what their validation needs */
  waited: number
  /** of those, given up at the bound */
  waitsExpired: number
}

export interface WaitHooks {
  /** what the message still outran at the peer (its key), or undefined */
  behind(peer: number, msg: ModelMessage): string | undefined
  /** validation passed: deliver and forward */
  accept(peer: number, from: number, msg: ModelMessage): void
}

/**
 * The node's "behind: wait, validate again" (SPEC section 6; message-intake.ts BEHIND, job-waiters.ts)
 * in model time: a message that outran what its validation needs waits per (peer, key), is checked
 * again when the key's job changes at that peer and every RETRY_MS, and is accepted once nothing is
 * missing, or dropped at the bound.
 */
export class ValidationWaits {
  readonly #q: EventQueue
  readonly #maxWaitMs: number
  readonly #stats: WaitStats
  readonly #hooks: WaitHooks
  readonly #waiting = new Map<string, Waiting[]>()

  constructor (q: EventQueue, maxWaitMs: number, stats: WaitStats, hooks: WaitHooks) {
    this.#q = q
    this.#maxWaitMs = maxWaitMs
    this.#stats = stats
    this.#hooks = hooks
  }

  park (peer: number, key: string, msg: ModelMessage, from: number): void {
    const w: Waiting = { msg, from, until: this.#q.now + this.#maxWaitMs, done: false }
    this.#stats.waited++
    const slot = `${peer}/${key}`
    const list = this.#waiting.get(slot)
    if (list === undefined) this.#waiting.set(slot, [w])
    else list.push(w)
    const retry = (): void => {
      this.#check(peer, w)
      if (w.done) this.#drop(slot, w)
      else this.#q.schedule(RETRY_MS, retry)
    }
    this.#q.schedule(RETRY_MS, retry)
  }

  wake (peer: number, key: string): void {
    const slot = `${peer}/${key}`
    const list = this.#waiting.get(slot)
    if (list === undefined) return
    // a copy: accepting one wakes this key again (its job changed), which drops entries from the list
    for (const w of list.slice()) {
      this.#check(peer, w)
      if (w.done) this.#drop(slot, w)
    }
  }

  #check (peer: number, w: Waiting): void {
    if (w.done) return
    if (this.#hooks.behind(peer, w.msg) === undefined) {
      w.done = true
      this.#hooks.accept(peer, w.from, w.msg)
    } else if (this.#q.now >= w.until) {
      w.done = true
      this.#stats.waitsExpired++
    }
  }

  #drop (slot: string, w: Waiting): void {
    const list = this.#waiting.get(slot)
    if (list === undefined) return
    const i = list.indexOf(w)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) this.#waiting.delete(slot)
  }
}
