/**
 * What a reorg can change under a computed rewards epoch (SPEC 17): the anchors of its window. Each
 * computed epoch's window roots (epochs E-W..E, null where final without one) are kept for the newest
 * `keep` epochs; a pass in the minutes after a reorg compares them with the anchors held now (an anchor record
 * holds its job list, so not every pass). The anchor service forgets the anchors a reorg took back and reads
 * them again, so a root gone, changed or newly there means the epoch must be computed again, whichever of
 * the two services handled the reorg first.
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
  /** compares at each `firstChanged` for the next `watchMs` (a reorg came, or the node started) */
  arm(): void
  /** the first watched epoch whose window anchors differ from the anchors held now; undefined when none or not armed */
  firstChanged(options?: AbortOptions): Promise<number | undefined>
}

export function createInputsWatch (anchors: Pick<AnchorRepository, 'epoch'>, o: { keep: number, watchMs: number, now: () => number }): InputsWatch {
  const watched = new Map<number, WindowAnchors>()
  let until = 0
  return {
    record (epoch, window) {
      if (window !== undefined) watched.set(epoch, window)
      for (const e of watched.keys()) if (e <= epoch - o.keep) watched.delete(e)
    },
    forgetFrom (epoch) {
      for (const e of watched.keys()) if (e >= epoch) watched.delete(e)
    },
    arm () { until = o.now() + o.watchMs },
    async firstChanged (options = {}) {
      if (o.now() >= until) return undefined
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
