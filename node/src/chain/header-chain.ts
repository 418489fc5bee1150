import type { RawHeader } from './block-header.ts'

/**
 * The headers a node's services read (the registry follower's one a block, the anchors' and deposits'
 * reads of older blocks), kept as one run of consecutive blocks each linked to the one before by its
 * parent hash. A header read from the RPC at time t shows the chain had that block at t, and so, through
 * the links, every kept block below it: `at` answers a block from the run while such a read of a block
 * above it is at most `maxAgeMs` old, as if it had been asked then. A read that disagrees with the run (a reorg) drops the
 * blocks it replaced and every block above them; one whose parent is not the kept block below drops the run.
 * Pure: the provider does the RPC and passes the clock.
 */
export class HeaderChain {
  readonly #size: number
  /** consecutive blocks from `#low`, each one's parentHash the hash of the one before */
  #run: Array<{ header: RawHeader, seenAt: number }> = []
  #low = 0

  constructor (size = 1024) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a positive integer')
    this.#size = size
  }

  /** a header just read from the RPC for its block */
  observe (header: RawHeader, now: number): void {
    const block = Number.parseInt(header.number, 16)
    const i = block - this.#low
    const kept = this.#run[i]
    if (kept?.header.hash === header.hash) {
      kept.seenAt = now
      return
    }
    // a reorg replaced this block: it and the blocks after it go
    if (kept !== undefined) this.#run.length = i
    if (this.#run.length > 0 && i === this.#run.length) {
      if (this.#run[i - 1]?.header.hash === header.parentHash) {
        this.#run.push({ header, seenAt: now })
        if (this.#run.length > this.#size) {
          this.#run.shift()
          this.#low++
        }
        return
      }
    } else if (this.#run.length > 0 && i < 0) {
      if (i < -1) return // not next to the run: it says nothing about the run, which stays
      if (this.#run[0]?.header.parentHash === header.hash) {
        this.#run.unshift({ header, seenAt: now })
        this.#low--
        if (this.#run.length > this.#size) this.#run.pop()
        return
      }
    }
    // not linked to what is kept (a jump ahead, a parent or child that is not ours): start again from it
    this.#run = [{ header, seenAt: now }]
    this.#low = block
  }

  /**
   * the kept header of `block` if a read of a block above it in the run is at most `maxAgeMs` old; the
   * newest block's own read never vouches for it again, so whoever follows the head (the registry
   * follower's reorg checks) always reads afresh
   */
  at (block: number, now: number, maxAgeMs: number): RawHeader | undefined {
    const i = block - this.#low
    if (i < 0 || i >= this.#run.length) return undefined
    for (let j = this.#run.length - 1; j > i; j--) {
      if (now - (this.#run[j]?.seenAt ?? -Infinity) <= maxAgeMs) return this.#run[i]?.header
    }
    return undefined
  }

  get size (): number { return this.#run.length }
}
