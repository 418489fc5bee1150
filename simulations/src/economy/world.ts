/**
 * The samples the agents submit: this epoch's fresh wild malware (honest finds collide on it), older
 * public samples (what mutators start from), benign files, authors' new families and their variants.
 */
import type { Hex } from '../../../protocol/src/messages.ts'
import type { Rng } from '../prng.ts'
import { freshHits, variantHits } from './detection.ts'
import type { EngineHits } from './detection.ts'
import { bytes32, TAG } from './hex.ts'
import type { EconomyParams } from './params.ts'

export interface Sample {
  item: Hex
  family: string
  malicious: boolean
  /** a public-list engine (hash-list) already knows the hash */
  listed: boolean
  /** engines are deterministic: a sample scanned twice gives the same hits */
  hits: EngineHits
  /** fabricated by the ring: its colluding members' engines call it malicious */
  ring: boolean
}

/** Zipf over families: a few families make most of the wild malware. */
function zipfSampler (rng: Rng, n: number, s: number): () => number {
  const cumulative: number[] = []
  let sum = 0
  for (let k = 1; k <= n; k++) cumulative.push(sum += 1 / k ** s)
  return () => {
    const u = rng.next() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((cumulative[mid] as number) < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Older wild samples kept to draw from: enough to collide, bounded so memory stays flat over ten years. */
const OLD_KEPT = 1000

export class World {
  readonly #rng: Rng
  readonly #eco: EconomyParams
  readonly #family: () => number
  #serial = 0
  fresh: Sample[] = []
  readonly old: Sample[] = []
  #live = new Set<Hex>()

  constructor (rng: Rng, eco: EconomyParams) {
    this.#rng = rng
    this.#eco = eco
    this.#family = zipfSampler(rng.fork('families'), eco.honest.families, eco.honest.zipf)
  }

  #sample (family: string, malicious: boolean, listed: boolean, hits: EngineHits, ring = false): Sample {
    return { item: bytes32(TAG.item, ++this.#serial), family, malicious, listed, hits, ring }
  }

  #wild (listedChance: number): Sample {
    const d = this.#eco.detection
    return this.#sample(`fam${this.#family()}`, true, this.#rng.next() < listedChance, freshHits(this.#rng, d, true))
  }

  /** Last epoch's fresh samples age into the old ones (now usually on public lists); new fresh ones appear. */
  startEpoch (): void {
    for (const s of this.fresh) this.old.push({ ...s, listed: s.listed || this.#rng.next() < this.#eco.honest.listedOld })
    if (this.old.length > OLD_KEPT) this.old.splice(0, this.old.length - OLD_KEPT)
    this.fresh = Array.from({ length: this.#eco.honest.wildPerEpoch }, () => this.#wild(this.#eco.honest.listedFresh))
    this.#live = new Set([...this.old, ...this.fresh].map(s => s.item))
  }

  /** Whether an agent may still submit this item (fresh or kept old); other items never come back. */
  isLive (item: Hex): boolean {
    return this.#live.has(item)
  }

  /** An honest find: this epoch's fresh malware, or an older sample (often listed, often already paid). */
  honestFind (): Sample {
    const pool = this.#rng.next() < this.#eco.honest.fresh || this.old.length === 0 ? this.fresh : this.old
    return pool[this.#rng.int(pool.length)] as Sample
  }

  /** A public sample to mutate: the feeds carry what is common, so the family follows the Zipf. */
  publicSample (): Sample {
    return this.old.length === 0 ? this.#wild(1) : this.old[this.#rng.int(this.old.length)] as Sample
  }

  benign (): Sample {
    return this.#sample('benign', false, false, freshHits(this.#rng, this.#eco.detection, false))
  }

  /** Bytes appended: a new hash nobody lists, engines mostly agree with the source. */
  variantOf (source: Sample): Sample {
    return this.#sample(source.family, source.malicious, false, variantHits(this.#rng, this.#eco.detection, source.hits), source.ring)
  }

  newFamily (name: string): Sample {
    return this.#sample(name, true, false, freshHits(this.#rng, this.#eco.detection, true))
  }

  /** A benign file the ring's members will call malicious, named uniquely so no family halves it. */
  ringFabrication (): Sample {
    return this.#sample(`ring${this.#serial + 1}`, false, false, freshHits(this.#rng, this.#eco.detection, false), true)
  }
}
