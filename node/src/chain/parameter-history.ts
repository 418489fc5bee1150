/**
 * Network parameters by block, as the NetworkParameters contract checkpoints them, rebuilt from
 * its ParameterSet events. Pure: fed in chain order by the follower.
 */
export class ParameterHistory {
  readonly #values = new Map<string, Array<{ block: number, value: bigint }>>()

  set (name: string, block: number, value: bigint): void {
    const list = this.#values.get(name) ?? []
    list.push({ block, value })
    this.#values.set(name, list)
  }

  /** the value in force at the end of `block`, or undefined if it was never set by then */
  at (name: string, block: number): bigint | undefined {
    let value: bigint | undefined
    for (const c of this.#values.get(name) ?? []) {
      if (c.block > block) break
      value = c.value
    }
    return value
  }

  /** forgets every value set after `block` (a reorg took those blocks away) */
  truncateAfter (block: number): void {
    for (const [name, list] of this.#values) {
      const kept = list.filter((c) => c.block <= block)
      if (kept.length > 0) this.#values.set(name, kept)
      else this.#values.delete(name)
    }
  }
}
