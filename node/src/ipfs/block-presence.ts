/**
 * Which blocks the filesystem blockstore has seen lately on disk or missing from it, so `has` and the
 * write path's existence check need no syscall for them. Bitswap asks `has` for every open want of a peer
 * each time that peer sends a message, most of them for blocks this node does not hold: each was a
 * failed access() with its error object. Exact while this process is the only one writing the
 * directory (the supernode's own blocks): the store tells it of each block renamed into place and
 * each deletion, and a probe of the disk that overlapped either is answered but not kept.
 */
export class BlockPresence {
  readonly #size: number
  /** bounded, oldest first */
  readonly #present = new Set<string>()
  readonly #absent = new Set<string>()
  /** renames and deletions so far: a probe that saw it change may have read the disk before or after */
  #changes = 0

  constructor (size = 8192) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a positive integer')
    this.#size = size
  }

  /** whether the block named `name` is on disk, from memory if known, else from `probe` */
  async check (name: string, probe: () => Promise<boolean>): Promise<boolean> {
    if (this.#present.has(name)) return true
    if (this.#absent.has(name)) return false
    const before = this.#changes
    const found = await probe()
    if (this.#changes === before) this.#keep(found ? this.#present : this.#absent, name)
    return found
  }

  /** the block was renamed into place (or found there by the write path) */
  added (name: string): void {
    this.#changes++
    this.#absent.delete(name)
    this.#keep(this.#present, name)
  }

  /** the block is about to be deleted, and again once it is: until then nobody may be told it is there */
  removed (name: string, done: boolean): void {
    this.#changes++
    this.#present.delete(name)
    if (done) this.#keep(this.#absent, name)
  }

  #keep (set: Set<string>, name: string): void {
    set.delete(name)
    set.add(name)
    if (set.size > this.#size) set.delete(set.values().next().value as string)
  }
}
