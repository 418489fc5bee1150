/**
 * A per-key budget for log lines: at most `perWindow` lines per key in each window of
 * `windowMs`, so a peer flooding us with bad messages cannot flood the operator's log before
 * gossipsub's scoring graylists it. The first line over budget in a window is counted, not
 * written; the next allowed line for that key reports how many were suppressed.
 * Pure apart from the injected clock; the key table is bounded.
 */
export interface LogBudgetOptions {
  perWindow: number
  windowMs: number
  /** keys remembered at once; the oldest window is forgotten first */
  maxKeys: number
  now?: () => number
}

export interface LogAdmission {
  /** write this line */
  allowed: boolean
  /** lines of this key suppressed since the last written one (report it on the written line) */
  suppressed: number
}

interface Window {
  start: number
  written: number
  suppressed: number
}

export class LogBudget {
  readonly #opts: Required<LogBudgetOptions>
  readonly #windows = new Map<string, Window>()

  constructor (opts: LogBudgetOptions) {
    if (!(opts.perWindow >= 1 && opts.windowMs > 0 && opts.maxKeys >= 1)) throw new RangeError('perWindow, windowMs and maxKeys must be positive')
    this.#opts = { now: Date.now, ...opts }
  }

  admit (key: string): LogAdmission {
    const now = this.#opts.now()
    let w = this.#windows.get(key)
    if (w !== undefined && now - w.start >= this.#opts.windowMs) {
      // a new window: carry the suppressed count so the next written line reports it
      w = { start: now, written: 0, suppressed: w.suppressed }
      this.#windows.delete(key)
    }
    if (w === undefined) {
      if (this.#windows.size >= this.#opts.maxKeys) {
        const oldest = this.#windows.keys().next().value
        if (oldest !== undefined) this.#windows.delete(oldest)
      }
      w = { start: now, written: 0, suppressed: 0 }
    }
    // re-insert so Map order stays by window start (oldest first)
    this.#windows.set(key, w)
    if (w.written >= this.#opts.perWindow) {
      w.suppressed++
      return { allowed: false, suppressed: w.suppressed }
    }
    w.written++
    const suppressed = w.suppressed
    w.suppressed = 0
    return { allowed: true, suppressed }
  }

  get size (): number {
    return this.#windows.size
  }
}
