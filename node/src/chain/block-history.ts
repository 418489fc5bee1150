/**
 * Values by key and block, each in force from its block on: what a contract's checkpoints hold,
 * rebuilt from its events. Pure: fed in chain order (a later set in the same block wins, as a
 * checkpoint push does); answers for any block up to the last one applied.
 */
export class BlockHistory<K, V> {
  readonly #lists = new Map<K, Array<{ block: number, value: V }>>()

  set (key: K, block: number, value: V): void {
    const list = this.#lists.get(key) ?? []
    list.push({ block, value })
    this.#lists.set(key, list)
  }

  /** the value in force at the end of `block`, or undefined if none was set by then */
  at (key: K, block: number): V | undefined {
    let value: V | undefined
    for (const c of this.#lists.get(key) ?? []) {
      if (c.block > block) break
      value = c.value
    }
    return value
  }

  /** the value set last, whatever its block */
  latest (key: K): V | undefined {
    return this.#lists.get(key)?.at(-1)?.value
  }

  /** every key that has a value at some block */
  keys (): K[] {
    return [...this.#lists.keys()]
  }

  /** forgets everything set after `block` (a reorg took those blocks away) */
  truncateAfter (block: number): void {
    for (const [key, list] of this.#lists) {
      const kept = list.filter((c) => c.block <= block)
      if (kept.length > 0) this.#lists.set(key, kept)
      else this.#lists.delete(key)
    }
  }
}
