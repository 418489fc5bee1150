/**
 * The model's clock: a binary heap of events ordered by time, then by insertion order, so two
 * events at the same instant always run in the same order and a seed gives one history.
 */
export interface QueuedEvent {
  at: number
  seq: number
  run: () => void
}

export class EventQueue {
  #heap: QueuedEvent[] = []
  #seq = 0
  now = 0

  schedule (delay: number, run: () => void): void {
    if (!(delay >= 0)) throw new RangeError(`negative or NaN delay ${delay}`)
    this.#push({ at: this.now + delay, seq: this.#seq++, run })
  }

  /** Runs events until none is left or the next lies after `until`. */
  runUntil (until: number): void {
    while (this.#heap.length > 0 && (this.#heap[0] as QueuedEvent).at <= until) {
      const e = this.#pop()
      this.now = e.at
      e.run()
    }
    if (this.now < until && Number.isFinite(until)) this.now = until
  }

  get size (): number {
    return this.#heap.length
  }

  #less (a: QueuedEvent, b: QueuedEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #push (e: QueuedEvent): void {
    const h = this.#heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.#less(h[i] as QueuedEvent, h[p] as QueuedEvent)) break
      ;[h[i], h[p]] = [h[p] as QueuedEvent, h[i] as QueuedEvent]
      i = p
    }
  }

  #pop (): QueuedEvent {
    const h = this.#heap
    const top = h[0] as QueuedEvent
    const last = h.pop() as QueuedEvent
    if (h.length > 0) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.#less(h[l] as QueuedEvent, h[m] as QueuedEvent)) m = l
        if (r < h.length && this.#less(h[r] as QueuedEvent, h[m] as QueuedEvent)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m] as QueuedEvent, h[i] as QueuedEvent]
        i = m
      }
    }
    return top
  }
}
