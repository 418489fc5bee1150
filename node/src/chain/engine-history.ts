import { BlockHistory } from './block-history.ts'
import type { Hex } from '#protocol/messages.ts'

/**
 * Each operator's engine ids by block, as the registry's engine checkpoints hold them, rebuilt
 * from its EnginesSet events (each replaces the operator's list). Pure: fed in chain order by the
 * follower. Lists are kept sorted, so answers do not depend on the order governance gave.
 */
export class EngineHistory {
  readonly #engines = new BlockHistory<Hex, readonly string[]>()

  set (operator: Hex, block: number, engineIds: readonly string[]): void {
    this.#engines.set(operator.toLowerCase() as Hex, block, Object.freeze(engineIds.toSorted()))
  }

  /** the engine ids registered to `operator` at the end of `block`, sorted ascending; [] when none */
  enginesAt (operator: Hex, block: number): string[] {
    return [...this.#engines.at(operator.toLowerCase() as Hex, block) ?? []]
  }

  /** forgets every list set after `block` (a reorg took those blocks away) */
  truncateAfter (block: number): void {
    this.#engines.truncateAfter(block)
  }
}
