import { bodyDistance, fuzzyBody } from '#protocol/rewards/fuzzy.ts'

export interface TlshNeighbour {
  /** the listed digest (lowercase) */
  listed: string
  label: string
  /** TLSH body distance, the rewards' measure (protocol/src/rewards/fuzzy.ts) */
  distance: number
}

/**
 * Listed TLSH digests and the nearest of them to a sample's digest. The distance is the one the
 * reward function's near-duplicate rule uses, so "a variant of a listed sample" means here what it
 * means there. A linear scan with an early exit per entry: a million listed digests cost tens of
 * milliseconds a sample, small beside hashing the sample.
 */
export class TlshNeighbours {
  readonly #bodies: Uint8Array[] = []
  readonly #digests: string[] = []
  readonly #labels: string[] = []

  get size (): number { return this.#digests.length }

  /** `digest` canonical (lowercase "t1" + 70 hex) */
  add (digest: string, label: string): void {
    this.#bodies.push(fuzzyBody(digest))
    this.#digests.push(digest)
    this.#labels.push(label)
  }

  /**
   * The listed digest nearest to `digest` within `threshold` (inclusive), or undefined. Equal
   * distances go to the smaller digest, so members holding the same feeds in any order agree.
   */
  nearest (digest: string, threshold: number): TlshNeighbour | undefined {
    if (threshold < 0) return undefined
    const body = fuzzyBody(digest)
    let best = -1
    let bestDistance = threshold
    for (let i = 0; i < this.#bodies.length; i++) {
      const d = bodyDistance(body, this.#bodies[i] as Uint8Array, bestDistance)
      if (d > bestDistance) continue
      if (best === -1 || d < bestDistance || (this.#digests[i] as string) < (this.#digests[best] as string)) {
        best = i
        bestDistance = d
      }
    }
    return best === -1 ? undefined : { listed: this.#digests[best] as string, label: this.#labels[best] as string, distance: bestDistance }
  }
}
