/**
 * What a reorg can change under a computed rewards epoch (SPEC 17): the anchors of its window. Each
 * computed epoch's window roots (epochs E-W..E, null where final without one) are kept for the newest
 * `keep` epochs; a pass compares them with the anchors held now. The anchor service forgets the anchors
 * a reorg took back and reads them again, so a root gone, changed or newly there means the epoch must be
 * computed again, whichever of the two services saw the reorg first.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'
import type { AnchorRepository } from '../db/anchor-repository.ts'

export type WindowAnchors = ReadonlyArray<readonly [number, Hex | null]>

/** epochs `from`..`to`'s anchored roots as held now (null: none) */
export async function windowAnchors (anchors: Pick<AnchorRepository, 'epoch'>, from: number, to: number, options: AbortOptions = {}): Promise<WindowAnchors> {
  const out: Array<[number, Hex | null]> = []
  for (let k = Math.max(0, from); k <= to; k++) {
    options.signal?.throwIfAborted()
    out.push([k, (await anchors.epoch(k))?.root ?? null])
  }
  return out
}

export interface InputsWatch {
  /** the window anchors `epoch` was computed from (records of older nodes have none: not watched) */
  record(epoch: number, anchors: WindowAnchors | undefined): void
  forgetFrom(epoch: number): void
  /** the first watched epoch whose window anchors differ from the anchors held now; undefined when none */
  firstChanged(options?: AbortOptions): Promise<number | undefined>
}

export function createInputsWatch (anchors: Pick<AnchorRepository, 'epoch'>, keep: number): InputsWatch {
  const watched = new Map<number, WindowAnchors>()
  return {
    record (epoch, window) {
      if (window !== undefined) watched.set(epoch, window)
      for (const e of watched.keys()) if (e <= epoch - keep) watched.delete(e)
    },
    forgetFrom (epoch) {
      for (const e of watched.keys()) if (e >= epoch) watched.delete(e)
    },
    async firstChanged (options = {}) {
      const now = new Map<number, Hex | null>()
      for (const epoch of [...watched.keys()].toSorted((a, b) => a - b)) {
        for (const [k, root] of watched.get(epoch) ?? []) {
          options.signal?.throwIfAborted()
          if (!now.has(k)) now.set(k, (await anchors.epoch(k))?.root ?? null)
          if (now.get(k) !== root) return epoch
        }
      }
      return undefined
    }
  }
}
