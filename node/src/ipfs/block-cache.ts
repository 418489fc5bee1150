/**
 * The bytes of the blocks a blockstore wrote or read lately, least recently used out first, within a
 * byte budget. A block is named by its hash, so a kept copy can only be stale once the block is
 * deleted, and the store forgets it then. Reading a block file costs Node four trips to the thread
 * pool (open, stat, read, close); a job's block is read back several times within seconds of its
 * write: to decrypt it for the scan and to serve it to each member that wants it.
 */
/** a copy in a new Uint8Array: Buffer's slice() is a view, not a copy */
export const copyOf = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes)

export class BlockCache {
  readonly #maxBytes: number
  readonly #maxBlockBytes: number
  readonly #blocks = new Map<string, Uint8Array>()
  #bytes = 0

  /** `maxBytes` in all; a block over `maxBlockBytes` is not kept (a large sample's chunks would push out every small job's) */
  constructor (maxBytes: number, maxBlockBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0 || !Number.isSafeInteger(maxBlockBytes) || maxBlockBytes < 0) throw new RangeError('cache sizes must be non-negative integers')
    this.#maxBytes = maxBytes
    this.#maxBlockBytes = maxBlockBytes
  }

  /** a copy of the kept bytes: a reader may change or zero what it got */
  get (name: string): Uint8Array | undefined {
    const bytes = this.#blocks.get(name)
    if (bytes === undefined) return undefined
    this.#blocks.delete(name)
    this.#blocks.set(name, bytes)
    return copyOf(bytes)
  }

  /** whether a block of this size would be kept: the caller copies only those */
  fits (byteLength: number): boolean {
    return byteLength <= this.#maxBlockBytes && byteLength <= this.#maxBytes
  }

  /** keeps `bytes`, which the cache owns from now on: nobody else may change them */
  set (name: string, bytes: Uint8Array): void {
    this.delete(name)
    if (!this.fits(bytes.byteLength)) return
    this.#blocks.set(name, bytes)
    this.#bytes += bytes.byteLength
    while (this.#bytes > this.#maxBytes) this.delete(this.#blocks.keys().next().value as string)
  }

  delete (name: string): void {
    const bytes = this.#blocks.get(name)
    if (bytes === undefined) return
    this.#blocks.delete(name)
    this.#bytes -= bytes.byteLength
  }

  get bytes (): number { return this.#bytes }
  get size (): number { return this.#blocks.size }
}
