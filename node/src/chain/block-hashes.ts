/**
 * The hashes of the blocks a follower has applied events up to, newest last, bounded: what it
 * compares with the chain to notice a reorg and to find the common ancestor to roll back to.
 * Pure; the follower does the RPC.
 */
export class BlockHashWindow {
  readonly #size: number
  #entries: Array<{ block: number, hash: string }> = []

  constructor (size = 256) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('window size must be a positive integer')
    this.#size = size
  }

  /** remembers `hash` at `block`; blocks must be remembered in increasing order */
  remember (block: number, hash: string): void {
    const last = this.#entries.at(-1)
    if (last != null && block <= last.block) throw new RangeError(`block ${block} is not after ${last.block}`)
    this.#entries.push({ block, hash })
    if (this.#entries.length > this.#size) this.#entries.shift()
  }

  hashAt (block: number): string | undefined {
    return this.#entries.findLast((e) => e.block === block)?.hash
  }

  /** forgets every block after `block` (they were reorganised away) */
  forgetAfter (block: number): void {
    this.#entries = this.#entries.filter((e) => e.block <= block)
  }

  /** remembered blocks, newest first */
  newestFirst (): Array<{ block: number, hash: string }> {
    return this.#entries.toReversed()
  }

  get size (): number { return this.#entries.length }
}

/**
 * The newest remembered block whose hash the chain still has (`hashAt` asks the chain; null when
 * it has no such block), or undefined when the reorg is deeper than the window remembers.
 */
export async function findCommonAncestor (window: BlockHashWindow, hashAt: (block: number) => Promise<string | null>): Promise<number | undefined> {
  for (const { block, hash } of window.newestFirst()) {
    if (await hashAt(block) === hash) return block
  }
  return undefined
}
