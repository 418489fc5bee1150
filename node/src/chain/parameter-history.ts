import { BlockHistory } from './block-history.ts'

/**
 * Network parameters by block, as the NetworkParameters contract checkpoints them, rebuilt from
 * its ParameterSet events. Pure: fed in chain order by the follower.
 */
export class ParameterHistory {
  readonly #values = new BlockHistory<string, bigint>()

  set (name: string, block: number, value: bigint): void {
    this.#values.set(name, block, value)
  }

  /** the value in force at the end of `block`, or undefined if it was never set by then */
  at (name: string, block: number): bigint | undefined {
    return this.#values.at(name, block)
  }

  /** forgets every value set after `block` (a reorg took those blocks away) */
  truncateAfter (block: number): void {
    this.#values.truncateAfter(block)
  }
}
